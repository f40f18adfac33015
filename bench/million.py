#!/usr/bin/env python3
"""Writes an OCI image layout with one uncompressed layer of N small files (issue 18 part 3):
DIRS directories of N/DIRS files of SIZE bytes each, streamed straight into the blob.

Usage: bench/million.py OUT_DIR [N=1000000] [SIZE=1024]
"""
import hashlib, io, json, os, sys, tarfile, time

out = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
size = int(sys.argv[3]) if len(sys.argv) > 3 else 1024
per_dir = 1000
blobs = os.path.join(out, "blobs", "sha256")
os.makedirs(blobs, exist_ok=True)


class Hashing(io.RawIOBase):
    def __init__(self, f):
        self.f, self.h, self.n = f, hashlib.sha256(), 0

    def writable(self):
        return True

    def write(self, b):
        self.h.update(b)
        self.n += len(b)
        return self.f.write(b)


tmp = os.path.join(blobs, "layer.tmp")
with open(tmp, "wb") as raw:
    hw = Hashing(raw)
    with tarfile.open(fileobj=hw, mode="w|", format=tarfile.GNU_FORMAT) as tar:
        body = b"x" * size
        now = int(time.time())
        for d in range((n + per_dir - 1) // per_dir):
            ti = tarfile.TarInfo(f"data/d{d:05}")
            ti.type, ti.mode, ti.mtime = tarfile.DIRTYPE, 0o755, now
            tar.addfile(ti)
            for i in range(min(per_dir, n - d * per_dir)):
                ti = tarfile.TarInfo(f"data/d{d:05}/file-{i:04}.txt")
                ti.size, ti.mode, ti.mtime = size, 0o644, now
                tar.addfile(ti, io.BytesIO(body))
layer = hw.h.hexdigest()
os.replace(tmp, os.path.join(blobs, layer))


def blob(obj):
    data = json.dumps(obj).encode()
    h = hashlib.sha256(data).hexdigest()
    open(os.path.join(blobs, h), "wb").write(data)
    return h, len(data)


cfg, cfg_len = blob({"architecture": "amd64", "os": "linux",
                     "rootfs": {"type": "layers", "diff_ids": ["sha256:" + layer]}, "config": {}})
man, man_len = blob({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                     "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": "sha256:" + cfg, "size": cfg_len},
                     "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": "sha256:" + layer, "size": hw.n}]})
json.dump({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                                              "digest": "sha256:" + man, "size": man_len}]},
          open(os.path.join(out, "index.json"), "w"))
open(os.path.join(out, "oci-layout"), "w").write('{"imageLayoutVersion": "1.0.0"}')
print(f"{out}: {n} files, layer {hw.n / 2**30:.2f} GiB", file=sys.stderr)
