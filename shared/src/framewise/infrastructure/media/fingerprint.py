"""Content fingerprint of a media file, shared by discovery (content_hash) and the ML service (input_hash).

Scheme `fw1`: XXH3-128 over the file size (8 bytes, little-endian) followed by the whole content
when the file is at most 4 MiB, else by five 1 MiB samples at offsets 0, 1/4, 1/2, 3/4 of the size
and size - 1 MiB. Any change of size, header, tail or a sampled region changes it; reading at most
5 MiB keeps a rescan of a large library fast.
"""

import os

import xxhash

SAMPLE = 1 << 20
WHOLE_LIMIT = 4 * SAMPLE


def fingerprint_file(path: str | os.PathLike[str]) -> str:
    digest = xxhash.xxh3_128()
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        digest.update(size.to_bytes(8, "little"))
        if size <= WHOLE_LIMIT:
            digest.update(handle.read())
        else:
            for offset in (0, size // 4, size // 2, 3 * size // 4, size - SAMPLE):
                handle.seek(offset)
                digest.update(handle.read(SAMPLE))
    return "fw1:" + digest.hexdigest()
