# servers/lib/decompress: bounded decompressors (bzImage header, LZ4 legacy,
# gzip, xz, zstd).  Users add $(DECOMPRESS_SRCS) to their sources and -I$(DECOMPRESS_DIR);
# the code needs no libc (freestanding, no allocation, no static state).
DECOMPRESS_DIR := servers/lib/decompress
DECOMPRESS_SRCS := $(addprefix $(DECOMPRESS_DIR)/,bzimage.c lz4.c inflate.c gzip.c crc.c lzma2.c bcj_x86.c xz.c zstd.c zstd_bits.c zstd_fse.c zstd_huf.c xxhash64.c detect.c kernel.c)
DECOMPRESS_HDRS := $(DECOMPRESS_DIR)/decompress.h $(DECOMPRESS_DIR)/dc_util.h
