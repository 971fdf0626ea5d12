// CGANImage: the C side of GANData's codecs.
//
// libpng and libjpeg report errors by longjmp, which Swift cannot survive; every call to
// them happens here, behind setjmp, and comes back to Swift as a return code and a message.
// zlib's inflate is here too (its init is a macro Swift cannot call), for gzip and zip entries.
//
// Every function returns 0 on success, or -1 with a NUL-terminated reason in `message`
// (at most `messageSize` bytes, including the NUL); -2 marks a valid file of a kind that is
// not supported (a CMYK JPEG). On failure nothing is left allocated.
#ifndef CGANIMAGE_H
#define CGANIMAGE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// An 8-bit image, rows top to bottom, `channels` interleaved bytes per pixel (1 grey, 3 RGB).
/// `pixels` is allocated with malloc; release it with `gi_free`.
typedef struct {
    unsigned char *pixels;
    int width;
    int height;
    int channels;
} gi_image;

/// Reads a PNG of any bit depth or colour type as 8-bit grey (grey, grey+alpha) or RGB
/// (palette, RGB, RGBA). Alpha (and tRNS transparency) is composited onto white, 16-bit
/// samples are reduced to 8 bits.
int gi_png_read(const char *path, gi_image *image, char *message, size_t messageSize);

/// `gi_png_read` for a PNG held in memory (`size` bytes at `data`), such as an emoji font's
/// bitmap.
int gi_png_read_memory(const unsigned char *data, size_t size, gi_image *image, char *message, size_t messageSize);

/// Writes an 8-bit grey (`channels` 1) or RGB (`channels` 3) PNG.
int gi_png_write(const char *path, const unsigned char *pixels, int width, int height, int channels,
                 char *message, size_t messageSize);

/// Reads a baseline or progressive JPEG as 8-bit grey (grey JPEGs) or RGB (colour JPEGs).
/// A file cut short or with corrupt entropy-coded data is an error, not a grey-filled image.
int gi_jpeg_read(const char *path, gi_image *image, char *message, size_t messageSize);

/// Writes a grey (`channels` 1) or RGB (`channels` 3) JPEG at `quality` 1...100.
int gi_jpeg_write(const char *path, const unsigned char *pixels, int width, int height, int channels,
                  int quality, char *message, size_t messageSize);

/// Decompresses a whole gzip file held in memory (one or more members). A stream that ends
/// before its trailer, or whose CRC or length check fails, is an error.
/// `*output` is allocated with malloc; release it with `gi_free`.
int gi_gunzip(const unsigned char *input, size_t inputSize, unsigned char **output, size_t *outputSize,
              char *message, size_t messageSize);

/// Writes `data` to `path` as a gzip file with zlib's gzwrite at `level` 0...9.
int gi_gzip_write(const char *path, const unsigned char *data, size_t size, int level,
                  char *message, size_t messageSize);

/// Inflates a raw deflate stream (a zip entry's data, compression method 8) into `output`,
/// which holds exactly the `outputSize` bytes the zip's directory promises. A stream that
/// ends early, runs past `outputSize` or is corrupt is an error.
int gi_inflate_raw(const unsigned char *input, size_t inputSize, unsigned char *output, size_t outputSize,
                   char *message, size_t messageSize);

/// zlib's CRC-32 of `size` bytes (the checksum a zip entry records).
unsigned long gi_crc32(const unsigned char *data, size_t size);

/// Releases memory returned by the functions above.
void gi_free(void *pointer);

#ifdef __cplusplus
}
#endif

#endif
