#!/usr/bin/env python3
"""Writes an OCI image layout of N small files (issue 18 part 3): a base layer of N/1000
directories of 1,000 files of SIZE bytes each, streamed straight into the blob, then LAYERS-1
uncompressed layers on top, each of which whites out one directory, marks another opaque and
rewrites its files, and rewrites 1,000 files of a third (what the squash has to undo).

Usage: bench/million.py OUT_DIR [N=1000000] [SIZE=1024] [LAYERS=1]
"""
import hashlib, io, json, os, sys, tarfile, time

out = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
size = int(sys.argv[3]) if len(sys.argv) > 3 else 1024
layers = int(sys.argv[4]) if len(sys.argv) > 4 else 1
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


def write_layer(fill):
    tmp = os.path.join(blobs, "layer.tmp")
    with open(tmp, "wb") as raw:
        hw = Hashing(raw)
        with tarfile.open(fileobj=hw, mode="w|", format=tarfile.GNU_FORMAT) as tar:
            fill(tar)
    os.replace(tmp, os.path.join(blobs, hw.h.hexdigest()))
    return hw.h.hexdigest(), hw.n


body = b"x" * size
now = int(time.time())
dirs = (n + per_dir - 1) // per_dir


def add(tar, name, kind=tarfile.REGTYPE, data=b""):
    ti = tarfile.TarInfo(name)
    ti.type, ti.mtime = kind, now
    ti.mode = 0o755 if kind == tarfile.DIRTYPE else 0o644
    if kind == tarfile.REGTYPE:
        ti.size = len(data)
    tar.addfile(ti, io.BytesIO(data) if kind == tarfile.REGTYPE else None)


def base(tar):
    for d in range(dirs):
        add(tar, f"data/d{d:05}", tarfile.DIRTYPE)
        for i in range(min(per_dir, n - d * per_dir)):
            add(tar, f"data/d{d:05}/file-{i:04}.txt", data=body)


def upper(k):
    def fill(tar):
        gone, opaque, rewritten = (3 * k) % dirs, (3 * k + 1) % dirs, (3 * k + 2) % dirs
        add(tar, f"data/.wh.d{gone:05}", data=b"")
        add(tar, f"data/d{opaque:05}", tarfile.DIRTYPE)
        add(tar, f"data/d{opaque:05}/.wh..wh..opq", data=b"")
        for i in range(10):
            add(tar, f"data/d{opaque:05}/new-{k}-{i}.txt", data=body)
        for i in range(per_dir):
            add(tar, f"data/d{rewritten:05}/file-{i:04}.txt", data=body)
    return fill


written = [write_layer(base)] + [write_layer(upper(k)) for k in range(1, layers)]


def blob(obj):
    data = json.dumps(obj).encode()
    h = hashlib.sha256(data).hexdigest()
    open(os.path.join(blobs, h), "wb").write(data)
    return h, len(data)


cfg, cfg_len = blob({"architecture": "amd64", "os": "linux",
                     "rootfs": {"type": "layers", "diff_ids": ["sha256:" + h for h, _ in written]}, "config": {}})
man, man_len = blob({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                     "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": "sha256:" + cfg, "size": cfg_len},
                     "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": "sha256:" + h, "size": size}
                                for h, size in written]})
json.dump({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                                              "digest": "sha256:" + man, "size": man_len}]},
          open(os.path.join(out, "index.json"), "w"))
open(os.path.join(out, "oci-layout"), "w").write('{"imageLayoutVersion": "1.0.0"}')
print(f"{out}: {n} files, {layers} layers, {sum(s for _, s in written) / 2**30:.2f} GiB", file=sys.stderr)
