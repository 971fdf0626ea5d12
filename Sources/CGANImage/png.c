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

// Where libpng's error and read callbacks find the caller's message buffer and file.
typedef struct {
    FILE *file;
    char *message;
    size_t messageSize;
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
    if (fread(data, 1, length, context->file) != length) {
        png_error(png, "file ends early (truncated PNG)");
    }
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
    gi_png_context context = {file, message, messageSize};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &context, gi_png_error, gi_png_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!png || !info) {
        snprintf(message, messageSize, "out of memory creating the PNG reader");
        png_destroy_read_struct(png ? &png : NULL, NULL, NULL);
        fclose(file);
        return -1;
    }
    // Written after setjmp, read after a longjmp: must be volatile.
    unsigned char *volatile pixels = NULL;
    png_bytep *volatile rows = NULL;
    if (setjmp(png_jmpbuf(png))) {
        free(pixels);
        free(rows);
        png_destroy_read_struct(&png, &info, NULL);
        fclose(file);
        return -1;
    }
    png_set_read_fn(png, &context, gi_png_read_data);
    png_set_sig_bytes(png, 8);
    png_set_user_limits(png, GI_MAX_SIDE, GI_MAX_SIDE);
    png_read_info(png, info);

    png_uint_32 width = png_get_image_width(png, info);
    png_uint_32 height = png_get_image_height(png, info);
    png_set_expand(png);     // palette -> RGB, grey < 8 bits -> 8 bits, tRNS -> alpha
    png_set_strip_16(png);   // 16 -> 8 bits
    png_set_strip_alpha(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    int channels = png_get_channels(png, info);
    if (channels != 1 && channels != 3) {
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
    fclose(file);
    image->pixels = pixels;
    image->width = (int)width;
    image->height = (int)height;
    image->channels = channels;
    return 0;
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
    gi_png_context context = {file, message, messageSize};
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
