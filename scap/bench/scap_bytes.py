#!/usr/bin/env python3
"""Uncompressed bytes of .scap captures: whole file, event blocks, exit-event blocks (gzip ok).

usage: scap_bytes.py FILE... -> FILE total events exits event_blocks exit_blocks
"""
import gzip
import struct
import sys

EVENT_BLOCKS = {0x204, 0x216, 0x221, 0x208, 0x217, 0x222}

for path in sys.argv[1:]:
    raw = open(path, "rb").read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)  # concatenated gzip members too
    off = events = exits = n_ev = n_exit = 0
    while off + 8 <= len(raw):
        kind, length = struct.unpack_from("<II", raw, off)
        if length < 12 or off + length > len(raw):
            break
        if kind in EVENT_BLOCKS:
            events += length
            n_ev += 1
            # block header (8), cpu (2), ts (8), tid (8), len (4), then the event type (2):
            # odd types are exit events.
            if struct.unpack_from("<H", raw, off + 30)[0] & 1:
                exits += length
                n_exit += 1
        off += length
    print(path, len(raw), events, exits, n_ev, n_exit)
