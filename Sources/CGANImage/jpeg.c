// JPEG read and write through libjpeg(-turbo), with its longjmp errors caught here.
#include "CGANImage.h"

#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

// libjpeg's error manager, extended with the jump target and the caller's message buffer.
typedef struct {
    struct jpeg_error_mgr base;
    jmp_buf jump;
    char *message;
    size_t messageSize;
} gi_jpeg_error;

static void gi_jpeg_error_exit(j_common_ptr info) {
    gi_jpeg_error *error = (gi_jpeg_error *)info->err;
    char text[JMSG_LENGTH_MAX];
    (*info->err->format_message)(info, text);
    if (error->message && error->messageSize > 0) {
        snprintf(error->message, error->messageSize, "%s", text);
    }
    longjmp(error->jump, 1);
}

// libjpeg only warns when data ends early or is corrupt, and fills the rest of the image
// with grey. A data set must not silently hold such an image, so those warnings are errors.
static void gi_jpeg_emit_message(j_common_ptr info, int level) {
    if (level >= 0) return;  // trace messages
    switch (info->err->msg_code) {
    case JWRN_JPEG_EOF:        // premature end of file
    case JWRN_HIT_MARKER:      // corrupt data: premature end of data segment
    case JWRN_MUST_RESYNC:     // corrupt data: found a marker instead of data
    case JWRN_HUFF_BAD_CODE:   // corrupt data: bad Huffman code
        gi_jpeg_error_exit(info);
        break;
    default:
        info->err->num_warnings++;
        break;
    }
}

int gi_jpeg_read(const char *path, gi_image *image, char *message, size_t messageSize) {
    memset(image, 0, sizeof *image);
    FILE *file = fopen(path, "rb");
    if (!file) {
        snprintf(message, messageSize, "cannot open: %s", strerror(errno));
        return -1;
    }
    struct jpeg_decompress_struct info;
    gi_jpeg_error error;
    info.err = jpeg_std_error(&error.base);
    error.base.error_exit = gi_jpeg_error_exit;
    error.base.emit_message = gi_jpeg_emit_message;
    error.message = message;
    error.messageSize = messageSize;
    unsigned char *volatile pixels = NULL;
    if (setjmp(error.jump)) {
        free(pixels);
        jpeg_destroy_decompress(&info);
        fclose(file);
        return -1;
    }
    jpeg_create_decompress(&info);
    jpeg_stdio_src(&info, file);
    jpeg_read_header(&info, TRUE);
    if (info.jpeg_color_space == JCS_CMYK || info.jpeg_color_space == JCS_YCCK) {
        snprintf(message, messageSize, "CMYK JPEGs are not supported: expected a grey or RGB (YCbCr) JPEG");
        jpeg_destroy_decompress(&info);
        fclose(file);
        return -2;
    }
    info.out_color_space = info.num_components == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_start_decompress(&info);
    int channels = info.output_components;
    if (channels != 1 && channels != 3) {
        snprintf(message, messageSize, "unsupported JPEG with %d output components", channels);
        longjmp(error.jump, 1);
    }
    size_t rowBytes = (size_t)info.output_width * (size_t)channels;
    if (rowBytes * info.output_height > ((size_t)1 << 30)) {
        snprintf(message, messageSize, "image too large: %ux%u (more than 1 GiB of pixels)",
                 info.output_width, info.output_height);
        longjmp(error.jump, 1);
    }
    pixels = malloc(rowBytes * info.output_height);
    if (!pixels) {
        snprintf(message, messageSize, "out of memory for a %ux%u image", info.output_width, info.output_height);
        longjmp(error.jump, 1);
    }
    while (info.output_scanline < info.output_height) {
        JSAMPROW row = pixels + (size_t)info.output_scanline * rowBytes;
        jpeg_read_scanlines(&info, &row, 1);
    }
    jpeg_finish_decompress(&info);
    image->pixels = pixels;
    image->width = (int)info.output_width;
    image->height = (int)info.output_height;
    image->channels = channels;
    jpeg_destroy_decompress(&info);
    fclose(file);
    return 0;
}

int gi_jpeg_write(const char *path, const unsigned char *pixels, int width, int height, int channels,
                  int quality, char *message, size_t messageSize) {
    if (width <= 0 || height <= 0 || (channels != 1 && channels != 3)) {
        snprintf(message, messageSize, "cannot write a %dx%d image with %d channels as JPEG", width, height, channels);
        return -1;
    }
    FILE *file = fopen(path, "wb");
    if (!file) {
        snprintf(message, messageSize, "cannot create: %s", strerror(errno));
        return -1;
    }
    struct jpeg_compress_struct info;
    gi_jpeg_error error;
    info.err = jpeg_std_error(&error.base);
    error.base.error_exit = gi_jpeg_error_exit;
    error.message = message;
    error.messageSize = messageSize;
    if (setjmp(error.jump)) {
        jpeg_destroy_compress(&info);
        fclose(file);
        return -1;
    }
    jpeg_create_compress(&info);
    jpeg_stdio_dest(&info, file);
    info.image_width = (JDIMENSION)width;
    info.image_height = (JDIMENSION)height;
    info.input_components = channels;
    info.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&info);
    jpeg_set_quality(&info, quality < 1 ? 1 : (quality > 100 ? 100 : quality), TRUE);
    jpeg_start_compress(&info, TRUE);
    size_t rowBytes = (size_t)width * (size_t)channels;
    while (info.next_scanline < info.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + (size_t)info.next_scanline * rowBytes);
        jpeg_write_scanlines(&info, &row, 1);
    }
    jpeg_finish_compress(&info);
    jpeg_destroy_compress(&info);
    if (fclose(file) != 0) {
        snprintf(message, messageSize, "write failed: %s", strerror(errno));
        return -1;
    }
    return 0;
}
