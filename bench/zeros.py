#!/usr/bin/env python3
"""Writes an OCI layout whose one gzip layer holds a single file of N GiB of zeros, streaming
(constant memory), for drydock's memory-flatness check: `bench/zeros.sh`."""
import gzip, hashlib, json, os, sys, tarfile

out, gib = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 4
size = gib << 30
blobs = os.path.join(out, "blobs", "sha256")
os.makedirs(blobs, exist_ok=True)


class Hashing:
    """File-like that hashes what is written through it."""
    def __init__(self, f):
        self.f, self.h, self.n = f, hashlib.sha256(), 0
    def write(self, b):
        self.h.update(b); self.n += len(b); return self.f.write(b)
    def flush(self):
        self.f.flush()


tmp = os.path.join(blobs, "tmp")
with open(tmp, "wb") as raw:
    comp = Hashing(raw)
    gz = gzip.GzipFile(fileobj=comp, mode="wb", compresslevel=1, mtime=0)
    plain = Hashing(gz)
    info = tarfile.TarInfo("zeros.bin"); info.size = size
    plain.write(info.tobuf(tarfile.GNU_FORMAT))
    chunk = bytes(1 << 20)
    for _ in range(size >> 20):
        plain.write(chunk)
    plain.write(bytes(1024))  # end-of-archive blocks
    gz.close()
layer_digest = "sha256:" + comp.h.hexdigest()
os.rename(tmp, os.path.join(blobs, layer_digest[7:]))
diff_id = "sha256:" + plain.h.hexdigest()


def blob(obj):
    b = json.dumps(obj).encode()
    d = "sha256:" + hashlib.sha256(b).hexdigest()
    open(os.path.join(blobs, d[7:]), "wb").write(b)
    return d, len(b)


cfg = blob({"architecture": "amd64", "os": "linux", "config": {}, "rootfs": {"type": "layers", "diff_ids": [diff_id]}})
man = blob({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cfg[0], "size": cfg[1]},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": layer_digest, "size": comp.n}]})
json.dump({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                                              "digest": man[0], "size": man[1]}]}, open(os.path.join(out, "index.json"), "w"))
open(os.path.join(out, "oci-layout"), "w").write('{"imageLayoutVersion": "1.0.0"}')
print(f"{out}: {gib} GiB of zeros in one file, layer blob {comp.n} bytes")
