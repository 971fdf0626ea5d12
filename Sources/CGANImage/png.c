// PNG read and write through libpng, with its longjmp errors caught here.
#include "CGANImage.h"

#include <errno.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>

// Limits that keep a corrupt or hostile header from asking for absurd amounts of memory.
#define GI_MAX_SIDE 32768
#define GI_MAX_BYTES ((size_t)1 << 30)

// Where libpng's error and read callbacks find the caller's message buffer and the source:
// a file, or bytes in memory (`data`, `size`, `offset`) when `file` is NULL.
typedef struct {
    FILE *file;
    char *message;
    size_t messageSize;
    const unsigned char *data;
    size_t size;
    size_t offset;
} gi_png_context;

static void gi_png_error(png_structp png, png_const_charp text) {
    gi_png_context *context = (gi_png_context *)png_get_error_ptr(png);
    if (context && context->message && context->messageSize > 0) {
        snprintf(context->message, context->messageSize, "%s", text);
    }
    png_longjmp(png, 1);
}

static void gi_png_warning(png_structp png, png_const_charp text) {
    // Warnings (an ancillary chunk with a bad CRC, an unknown chunk) leave the pixels intact.
    (void)png;
    (void)text;
}

static void gi_png_read_data(png_structp png, png_bytep data, png_size_t length) {
    gi_png_context *context = (gi_png_context *)png_get_io_ptr(png);
    if (context->file) {
        if (fread(data, 1, length, context->file) != length) {
            png_error(png, "file ends early (truncated PNG)");
        }
        return;
    }
    if (length > context->size - context->offset) {
        png_error(png, "data ends early (truncated PNG)");
    }
    memcpy(data, context->data + context->offset, length);
    context->offset += length;
}

static void gi_png_write_data(png_structp png, png_bytep data, png_size_t length) {
    gi_png_context *context = (gi_png_context *)png_get_io_ptr(png);
    if (fwrite(data, 1, length, context->file) != length) {
        png_error(png, "write failed (disk full?)");
    }
}

static void gi_png_flush(png_structp png) {
    gi_png_context *context = (gi_png_context *)png_get_io_ptr(png);
    fflush(context->file);
}

// Composites grey+alpha or RGB+alpha pixels onto white in place, dropping the alpha byte:
// c' = (c·a + 255·(255 − a)) / 255, rounded. Each pixel's bytes are read before any is written,
// and a pixel's output never reaches the next pixel's input.
static void gi_composite_on_white(unsigned char *pixels, size_t pixelCount, int channels) {
    int colours = channels - 1;
    for (size_t i = 0; i < pixelCount; i++) {
        const unsigned char *in = pixels + i * (size_t)channels;
        unsigned int a = in[colours];
        unsigned int c[3] = {in[0], colours > 1 ? in[1] : 0, colours > 1 ? in[2] : 0};
        unsigned char *out = pixels + i * (size_t)colours;
        for (int k = 0; k < colours; k++) {
            out[k] = (unsigned char)((c[k] * a + 255u * (255u - a) + 127u) / 255u);
        }
    }
}

// Decodes the PNG behind `context` (signature already checked) into `image`; `file` is closed
// by the caller.
static int gi_png_decode(gi_png_context *context, gi_image *image) {
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, context, gi_png_error, gi_png_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!png || !info) {
        snprintf(context->message, context->messageSize, "out of memory creating the PNG reader");
        png_destroy_read_struct(png ? &png : NULL, NULL, NULL);
        return -1;
    }
    // Written after setjmp, read after a longjmp: must be volatile.
    unsigned char *volatile pixels = NULL;
    png_bytep *volatile rows = NULL;
    if (setjmp(png_jmpbuf(png))) {
        free(pixels);
        free(rows);
        png_destroy_read_struct(&png, &info, NULL);
        return -1;
    }
    png_set_read_fn(png, context, gi_png_read_data);
    png_set_sig_bytes(png, 8);
    png_set_user_limits(png, GI_MAX_SIDE, GI_MAX_SIDE);
    png_read_info(png, info);

    png_uint_32 width = png_get_image_width(png, info);
    png_uint_32 height = png_get_image_height(png, info);
    png_set_expand(png);     // palette -> RGB, grey < 8 bits -> 8 bits, tRNS -> alpha
    png_set_strip_16(png);   // 16 -> 8 bits
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    // Alpha is kept for decoding and composited onto white below: stripping it would keep
    // whatever colour transparent pixels happen to hold (often black).
    int channels = png_get_channels(png, info);
    if (channels < 1 || channels > 4) {
        png_error(png, "unsupported channel layout after conversion");
    }
    if ((size_t)width * height * (size_t)channels > GI_MAX_BYTES) {
        png_error(png, "image too large (more than 1 GiB of pixels)");
    }
    size_t rowBytes = png_get_rowbytes(png, info);
    if (rowBytes != (size_t)width * (size_t)channels) {
        png_error(png, "unexpected row size after conversion");
    }
    pixels = malloc(rowBytes * height);
    rows = malloc(sizeof(png_bytep) * height);
    if (!pixels || !rows) {
        png_error(png, "out of memory for the image");
    }
    for (png_uint_32 y = 0; y < height; y++) {
        rows[y] = pixels + (size_t)y * rowBytes;
    }
    png_read_image(png, rows);
    png_read_end(png, NULL);  // reads to IEND: checks the CRCs of the chunks after IDAT

    free(rows);
    png_destroy_read_struct(&png, &info, NULL);
    if (channels == 2 || channels == 4) {
        gi_composite_on_white(pixels, (size_t)width * height, channels);
        channels -= 1;
    }
    image->pixels = pixels;
    image->width = (int)width;
    image->height = (int)height;
    image->channels = channels;
    return 0;
}

int gi_png_read(const char *path, gi_image *image, char *message, size_t messageSize) {
    memset(image, 0, sizeof *image);
    FILE *file = fopen(path, "rb");
    if (!file) {
        snprintf(message, messageSize, "cannot open: %s", strerror(errno));
        return -1;
    }
    unsigned char signature[8];
    if (fread(signature, 1, 8, file) != 8 || png_sig_cmp(signature, 0, 8) != 0) {
        snprintf(message, messageSize, "not a PNG file (expected the 8-byte PNG signature)");
        fclose(file);
        return -1;
    }
    gi_png_context context = {file, message, messageSize, NULL, 0, 0};
    int status = gi_png_decode(&context, image);
    fclose(file);
    return status;
}

int gi_png_read_memory(const unsigned char *data, size_t size, gi_image *image, char *message, size_t messageSize) {
    memset(image, 0, sizeof *image);
    if (!data || size < 8 || png_sig_cmp((png_const_bytep)data, 0, 8) != 0) {
        snprintf(message, messageSize, "not PNG data (expected the 8-byte PNG signature)");
        return -1;
    }
    gi_png_context context = {NULL, message, messageSize, data, size, 8};
    return gi_png_decode(&context, image);
}

int gi_png_write(const char *path, const unsigned char *pixels, int width, int height, int channels,
                 char *message, size_t messageSize) {
    if (width <= 0 || height <= 0 || (channels != 1 && channels != 3)) {
        snprintf(message, messageSize, "cannot write a %dx%d image with %d channels as PNG", width, height, channels);
        return -1;
    }
    FILE *file = fopen(path, "wb");
    if (!file) {
        snprintf(message, messageSize, "cannot create: %s", strerror(errno));
        return -1;
    }
    gi_png_context context = {file, message, messageSize, NULL, 0, 0};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &context, gi_png_error, gi_png_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!png || !info) {
        snprintf(message, messageSize, "out of memory creating the PNG writer");
        png_destroy_write_struct(png ? &png : NULL, NULL);
        fclose(file);
        return -1;
    }
    png_bytep *volatile rows = NULL;
    if (setjmp(png_jmpbuf(png))) {
        free(rows);
        png_destroy_write_struct(&png, &info);
        fclose(file);
        return -1;
    }
    png_set_write_fn(png, &context, gi_png_write_data, gi_png_flush);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8,
                 channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    rows = malloc(sizeof(png_bytep) * (size_t)height);
    if (!rows) {
        png_error(png, "out of memory");
    }
    size_t rowBytes = (size_t)width * (size_t)channels;
    for (int y = 0; y < height; y++) {
        rows[y] = (png_bytep)(pixels + (size_t)y * rowBytes);
    }
    png_write_image(png, rows);
    png_write_end(png, NULL);
    free(rows);
    png_destroy_write_struct(&png, &info);
    if (fclose(file) != 0) {
        snprintf(message, messageSize, "write failed: %s", strerror(errno));
        return -1;
    }
    return 0;
}

void gi_free(void *pointer) { free(pointer); }
