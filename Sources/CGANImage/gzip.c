// gzip decompression (inflate, checked to the trailer), gzip writing (gzwrite), and the raw
// deflate and CRC-32 a zip reader needs.
#include "CGANImage.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

// Grows `*buffer` so that it holds at least `needed` bytes; returns 0 or -1.
static int gi_reserve(unsigned char **buffer, size_t *capacity, size_t needed) {
    if (needed <= *capacity) return 0;
    size_t next = *capacity < 65536 ? 65536 : *capacity;
    while (next < needed) {
        if (next > SIZE_MAX / 2) return -1;
        next *= 2;
    }
    unsigned char *grown = realloc(*buffer, next);
    if (!grown) return -1;
    *buffer = grown;
    *capacity = next;
    return 0;
}

int gi_gunzip(const unsigned char *input, size_t inputSize, unsigned char **output, size_t *outputSize,
              char *message, size_t messageSize) {
    *output = NULL;
    *outputSize = 0;
    if (inputSize < 2 || input[0] != 0x1f || input[1] != 0x8b) {
        snprintf(message, messageSize, "not a gzip stream (expected it to start with the bytes 1f 8b)");
        return -1;
    }
    if (inputSize < 18) {
        snprintf(message, messageSize, "gzip stream cut short: %zu bytes, fewer than a header and trailer need (18)",
                 inputSize);
        return -1;
    }
    // The trailer's ISIZE (length mod 2^32) of the last member is a good first guess.
    size_t guess = (size_t)input[inputSize - 4] | (size_t)input[inputSize - 3] << 8 |
                   (size_t)input[inputSize - 2] << 16 | (size_t)input[inputSize - 1] << 24;
    if (guess > inputSize * 1032 + 65536) guess = inputSize * 4;  // deflate expands at most ~1032x
    unsigned char *buffer = NULL;
    size_t capacity = 0, length = 0;
    if (gi_reserve(&buffer, &capacity, guess + 1) != 0) {
        snprintf(message, messageSize, "out of memory");
        return -1;
    }

    z_stream stream;
    memset(&stream, 0, sizeof stream);
    if (inflateInit2(&stream, 16 + MAX_WBITS) != Z_OK) {
        snprintf(message, messageSize, "zlib could not start inflating");
        free(buffer);
        return -1;
    }
    size_t offset = 0;
    int status = Z_OK;
    while (1) {
        // zlib counts in 32-bit units: feed and drain at most 1 GiB at a time.
        if (stream.avail_in == 0 && offset < inputSize) {
            size_t chunk = inputSize - offset;
            if (chunk > (1u << 30)) chunk = 1u << 30;
            stream.next_in = (Bytef *)(input + offset);
            stream.avail_in = (uInt)chunk;
            offset += chunk;
        }
        if (length == capacity && gi_reserve(&buffer, &capacity, capacity + 1) != 0) {
            snprintf(message, messageSize, "out of memory after %zu bytes of decompressed data", length);
            status = Z_MEM_ERROR;
            break;
        }
        size_t room = capacity - length;
        if (room > (1u << 30)) room = 1u << 30;
        stream.next_out = buffer + length;
        stream.avail_out = (uInt)room;
        status = inflate(&stream, Z_NO_FLUSH);
        length += room - stream.avail_out;
        if (status == Z_STREAM_END) {
            // Another gzip member may follow (as `cat a.gz b.gz` makes); zero padding may too.
            size_t consumed = offset - stream.avail_in;
            size_t rest = inputSize - consumed;
            const unsigned char *next = input + consumed;
            if (rest >= 2 && next[0] == 0x1f && next[1] == 0x8b) {
                inflateReset(&stream);
                continue;
            }
            int padding = 1;
            for (size_t i = 0; i < rest; i++) {
                if (next[i] != 0) { padding = 0; break; }
            }
            if (!padding) {
                snprintf(message, messageSize, "%zu bytes of unexpected data after the end of the gzip stream", rest);
                status = Z_DATA_ERROR;
            }
            break;
        }
        if (status == Z_OK) continue;
        if (status == Z_BUF_ERROR && stream.avail_in == 0 && offset == inputSize) {
            snprintf(message, messageSize,
                     "gzip stream cut short: it ends after %zu decompressed bytes, before its end marker and checksum",
                     length);
            status = Z_DATA_ERROR;
            break;
        }
        if (status == Z_BUF_ERROR) continue;  // output full: grow and go on
        snprintf(message, messageSize, "corrupt gzip data: %s", stream.msg ? stream.msg : "inflate failed");
        break;
    }
    inflateEnd(&stream);
    if (status != Z_STREAM_END) {
        free(buffer);
        return -1;
    }
    *output = buffer;
    *outputSize = length;
    return 0;
}

int gi_gzip_write(const char *path, const unsigned char *data, size_t size, int level,
                  char *message, size_t messageSize) {
    char mode[4] = {'w', 'b', (char)('0' + (level < 0 ? 0 : (level > 9 ? 9 : level))), 0};
    gzFile file = gzopen(path, mode);
    if (!file) {
        snprintf(message, messageSize, "cannot create: %s", errno ? strerror(errno) : "gzopen failed");
        return -1;
    }
    size_t written = 0;
    while (written < size) {
        size_t chunk = size - written;
        if (chunk > (1u << 30)) chunk = 1u << 30;
        int n = gzwrite(file, data + written, (unsigned)chunk);
        if (n <= 0) {
            int code = 0;
            const char *text = gzerror(file, &code);
            snprintf(message, messageSize, "gzwrite failed: %s", text ? text : "unknown error");
            gzclose(file);
            return -1;
        }
        written += (size_t)n;
    }
    if (gzclose(file) != Z_OK) {
        snprintf(message, messageSize, "gzclose failed (disk full?)");
        return -1;
    }
    return 0;
}

int gi_inflate_raw(const unsigned char *input, size_t inputSize, unsigned char *output, size_t outputSize,
                   char *message, size_t messageSize) {
    z_stream stream;
    memset(&stream, 0, sizeof stream);
    // Negative window bits: a bare deflate stream, no zlib or gzip wrapper (as zip stores it).
    if (inflateInit2(&stream, -MAX_WBITS) != Z_OK) {
        snprintf(message, messageSize, "zlib could not start inflating");
        return -1;
    }
    size_t offset = 0, length = 0;
    int status = Z_OK;
    unsigned char spare;
    while (1) {
        if (stream.avail_in == 0 && offset < inputSize) {
            size_t chunk = inputSize - offset;
            if (chunk > (1u << 30)) chunk = 1u << 30;
            stream.next_in = (Bytef *)(input + offset);
            stream.avail_in = (uInt)chunk;
            offset += chunk;
        }
        // Past the promised size, inflate into one spare byte: any output there is an error.
        size_t room = outputSize - length;
        if (room > (1u << 30)) room = 1u << 30;
        stream.next_out = room ? output + length : &spare;
        stream.avail_out = room ? (uInt)room : 1;
        status = inflate(&stream, Z_NO_FLUSH);
        size_t produced = (room ? room : 1) - stream.avail_out;
        if (!room && produced) {
            snprintf(message, messageSize, "deflate data holds more than the %zu bytes the directory records", outputSize);
            status = Z_DATA_ERROR;
            break;
        }
        length += produced;
        if (status == Z_STREAM_END) break;
        if (status == Z_OK) continue;
        if (status == Z_BUF_ERROR && stream.avail_in == 0 && offset == inputSize) {
            snprintf(message, messageSize, "deflate data cut short after %zu of %zu bytes", length, outputSize);
            status = Z_DATA_ERROR;
            break;
        }
        if (status == Z_BUF_ERROR) continue;
        snprintf(message, messageSize, "corrupt deflate data: %s", stream.msg ? stream.msg : "inflate failed");
        break;
    }
    inflateEnd(&stream);
    if (status != Z_STREAM_END) return -1;
    if (length != outputSize) {
        snprintf(message, messageSize, "deflate data holds %zu bytes, the directory records %zu", length, outputSize);
        return -1;
    }
    return 0;
}

unsigned long gi_crc32(const unsigned char *data, size_t size) {
    uLong crc = crc32(0L, Z_NULL, 0);
    while (size > 0) {
        uInt chunk = size > (1u << 30) ? (1u << 30) : (uInt)size;
        crc = crc32(crc, data, chunk);
        data += chunk;
        size -= chunk;
    }
    return crc;
}
