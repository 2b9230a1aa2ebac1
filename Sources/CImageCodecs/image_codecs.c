// PNG and JPEG through libpng and libjpeg-turbo; see include/image_codecs.h.
#include "image_codecs.h"

#include <png.h>
#include <jpeglib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void set_error(char error[AC_ERROR_SIZE], const char *format, ...) {
    va_list args;
    va_start(args, format);
    vsnprintf(error, AC_ERROR_SIZE, format, args);
    va_end(args);
}

void ac_free(void *pointer) { free(pointer); }

/// Refuses a header whose size is outside [min_side, ...] or whose area exceeds max_area.
static int check_size(long width, long height, int64_t max_area, int min_side, char error[AC_ERROR_SIZE]) {
    if (width < min_side || height < min_side) {
        set_error(error, "is %ldx%ld pixels, smaller than %d on a side", width, height, min_side);
        return -1;
    }
    if ((int64_t)width * (int64_t)height > max_area) {
        set_error(error, "is %ldx%ld pixels, more than the limit of %lld pixels", width, height, (long long)max_area);
        return -1;
    }
    return 0;
}

// MARK: PNG

typedef struct {
    const uint8_t *data;
    size_t size, offset;
    char *error;
    jmp_buf jump;
} png_reader;

static void png_fail(png_structp png, png_const_charp message) {
    png_reader *reader = (png_reader *)png_get_error_ptr(png);
    if (reader->error[0] == 0) set_error(reader->error, "is not a readable PNG (%s)", message);
    longjmp(reader->jump, 1);
}

static void png_ignore_warning(png_structp png, png_const_charp message) { (void)png; (void)message; }

static void png_read_memory(png_structp png, png_bytep target, png_size_t length) {
    png_reader *reader = (png_reader *)png_get_io_ptr(png);
    if (length > reader->size - reader->offset) {
        set_error(reader->error, "is a truncated PNG (the data ends early)");
        longjmp(reader->jump, 1);
    }
    memcpy(target, reader->data + reader->offset, length);
    reader->offset += length;
}

int ac_png_decode(const uint8_t *data, size_t size, ac_png_mode mode, int64_t max_area, int min_side,
                  ac_image *out, char error[AC_ERROR_SIZE]) {
    memset(out, 0, sizeof *out);
    error[0] = 0;
    if (size == 0) { set_error(error, "is empty"); return -1; }
    if (size < 8 || png_sig_cmp(data, 0, 8) != 0) { set_error(error, "is not a PNG (no PNG signature)"); return -1; }
    png_reader reader = { data, size, 0, error };
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &reader, png_fail, png_ignore_warning);
    if (!png) { set_error(error, "cannot be read (libpng could not start)"); return -1; }
    png_infop info = png_create_info_struct(png);
    // Volatile: assigned after setjmp and read after a longjmp back to it.
    uint8_t *volatile pixels = NULL;
    png_bytep *volatile rows = NULL;
    if (!info || setjmp(reader.jump)) {
        free(pixels);
        free(rows);
        png_destroy_read_struct(&png, info ? &info : NULL, NULL);
        if (error[0] == 0) set_error(error, "is not a readable PNG");
        return -1;
    }
    png_set_read_fn(png, &reader, png_read_memory);
    png_set_user_limits(png, 1000000, 1000000);
    png_set_chunk_malloc_max(png, 16u << 20);
    png_read_info(png, info);
    png_uint_32 width = 0, height = 0;
    int depth = 0, colour = 0, interlace = 0;
    png_get_IHDR(png, info, &width, &height, &depth, &colour, &interlace, NULL, NULL);
    if (check_size((long)width, (long)height, max_area, min_side, error) != 0) longjmp(reader.jump, 1);
    int channels;
    if (mode == AC_PNG_INDEX) {
        if (depth == 16) { set_error(error, "has 16-bit samples; a mask must be an 8-bit grey or palette PNG"); longjmp(reader.jump, 1); }
        if (colour != PNG_COLOR_TYPE_PALETTE && colour != PNG_COLOR_TYPE_GRAY) {
            set_error(error, "is a colour PNG; a mask must be an 8-bit grey or palette PNG (one class index a pixel)");
            longjmp(reader.jump, 1);
        }
        if (depth < 8) png_set_packing(png);   // raw sample values, one byte each
        out->palette = colour == PNG_COLOR_TYPE_PALETTE;
        channels = 1;
    } else {
        if (depth == 16) png_set_strip_16(png);
        if (colour == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
        if (colour == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
        if (colour == PNG_COLOR_TYPE_GRAY || colour == PNG_COLOR_TYPE_GRAY_ALPHA) png_set_gray_to_rgb(png);
        if (colour & PNG_COLOR_MASK_ALPHA) png_set_strip_alpha(png);
        channels = 3;
    }
    if (interlace != PNG_INTERLACE_NONE) png_set_interlace_handling(png);
    png_read_update_info(png, info);
    size_t row_bytes = (size_t)width * (size_t)channels;
    if (png_get_rowbytes(png, info) != row_bytes) {
        set_error(error, "has a sample format this reader does not take");
        longjmp(reader.jump, 1);
    }
    pixels = malloc(row_bytes * height);
    rows = malloc(sizeof(png_bytep) * height);
    if (!pixels || !rows) { set_error(error, "does not fit in memory"); longjmp(reader.jump, 1); }
    for (png_uint_32 y = 0; y < height; y++) rows[y] = pixels + y * row_bytes;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    free(rows);
    png_destroy_read_struct(&png, &info, NULL);
    out->width = (int)width;
    out->height = (int)height;
    out->channels = channels;
    out->pixels = pixels;
    return 0;
}

typedef struct {
    uint8_t *data;
    size_t size, capacity;
    int failed;
    char *error;
    jmp_buf jump;
} png_writer;

static void png_write_fail(png_structp png, png_const_charp message) {
    png_writer *writer = (png_writer *)png_get_error_ptr(png);
    set_error(writer->error, "cannot be encoded as PNG (%s)", message);
    longjmp(writer->jump, 1);
}

static void png_write_memory(png_structp png, png_bytep source, png_size_t length) {
    png_writer *writer = (png_writer *)png_get_io_ptr(png);
    if (writer->size + length > writer->capacity) {
        size_t capacity = writer->capacity ? writer->capacity : 4096;
        while (capacity < writer->size + length) capacity *= 2;
        uint8_t *grown = realloc(writer->data, capacity);
        if (!grown) { set_error(writer->error, "does not fit in memory"); longjmp(writer->jump, 1); }
        writer->data = grown;
        writer->capacity = capacity;
    }
    memcpy(writer->data + writer->size, source, length);
    writer->size += length;
}

static void png_flush_memory(png_structp png) { (void)png; }

int ac_png_encode(const uint8_t *pixels, int width, int height, int channels, const uint8_t *palette_rgb,
                  int palette_count, uint8_t **out, size_t *out_size, char error[AC_ERROR_SIZE]) {
    *out = NULL;
    *out_size = 0;
    error[0] = 0;
    if (width < 1 || height < 1 || (channels != 1 && channels != 3) || (palette_rgb && (channels != 1 || palette_count < 1 || palette_count > 256))) {
        set_error(error, "cannot be encoded as PNG (bad arguments)");
        return -1;
    }
    png_writer writer = { NULL, 0, 0, 0, error };
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &writer, png_write_fail, png_ignore_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!png || !info || setjmp(writer.jump)) {
        free(writer.data);
        png_destroy_write_struct(&png, info ? &info : NULL);
        if (error[0] == 0) set_error(error, "cannot be encoded as PNG");
        return -1;
    }
    png_set_write_fn(png, &writer, png_write_memory, png_flush_memory);
    int colour = channels == 3 ? PNG_COLOR_TYPE_RGB : (palette_rgb ? PNG_COLOR_TYPE_PALETTE : PNG_COLOR_TYPE_GRAY);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8, colour, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (palette_rgb) {
        png_color palette[256];
        for (int i = 0; i < palette_count; i++) {
            palette[i].red = palette_rgb[3 * i];
            palette[i].green = palette_rgb[3 * i + 1];
            palette[i].blue = palette_rgb[3 * i + 2];
        }
        png_set_PLTE(png, info, palette, palette_count);
    }
    png_write_info(png, info);
    for (int y = 0; y < height; y++) png_write_row(png, (png_const_bytep)(pixels + (size_t)y * (size_t)width * (size_t)channels));
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    *out = writer.data;
    *out_size = writer.size;
    return 0;
}

// MARK: JPEG

typedef struct {
    struct jpeg_error_mgr base;
    char *error;
    jmp_buf jump;
} jpeg_failure;

static void jpeg_fail(j_common_ptr cinfo) {
    jpeg_failure *failure = (jpeg_failure *)cinfo->err;
    char message[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, message);
    if (failure->error[0] == 0) set_error(failure->error, "is not a readable JPEG (%s)", message);
    longjmp(failure->jump, 1);
}

/// Warnings (a truncated file, corrupt entropy data) are errors: libjpeg would fill the rest with grey.
static void jpeg_message(j_common_ptr cinfo, int level) {
    if (level >= 0) return;
    jpeg_failure *failure = (jpeg_failure *)cinfo->err;
    char message[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, message);
    if (failure->error[0] == 0) set_error(failure->error, "is a corrupt or truncated JPEG (%s)", message);
    longjmp(failure->jump, 1);
}

int ac_jpeg_decode(const uint8_t *data, size_t size, int64_t max_area, int min_side,
                   ac_image *out, char error[AC_ERROR_SIZE]) {
    memset(out, 0, sizeof *out);
    error[0] = 0;
    if (size == 0) { set_error(error, "is empty"); return -1; }
    if (size < 3 || data[0] != 0xFF || data[1] != 0xD8 || data[2] != 0xFF) { set_error(error, "is not a JPEG (no JPEG marker)"); return -1; }
    struct jpeg_decompress_struct cinfo;
    jpeg_failure failure;
    failure.error = error;
    cinfo.err = jpeg_std_error(&failure.base);
    failure.base.error_exit = jpeg_fail;
    failure.base.emit_message = jpeg_message;
    uint8_t *volatile pixels = NULL;
    if (setjmp(failure.jump)) {
        free(pixels);
        jpeg_destroy_decompress(&cinfo);
        if (error[0] == 0) set_error(error, "is not a readable JPEG");
        return -1;
    }
    jpeg_create_decompress(&cinfo);
    cinfo.mem->max_memory_to_use = 512L << 20;
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    if (check_size((long)cinfo.image_width, (long)cinfo.image_height, max_area, min_side, error) != 0) longjmp(failure.jump, 1);
    cinfo.out_color_space = JCS_RGB;
    jpeg_start_decompress(&cinfo);
    if (cinfo.output_components != 3) { set_error(error, "does not decode to RGB"); longjmp(failure.jump, 1); }
    size_t row_bytes = (size_t)cinfo.output_width * 3;
    pixels = malloc(row_bytes * cinfo.output_height);
    if (!pixels) { set_error(error, "does not fit in memory"); longjmp(failure.jump, 1); }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = pixels + (size_t)cinfo.output_scanline * row_bytes;
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_decompress(&cinfo);
    out->width = (int)cinfo.output_width;
    out->height = (int)cinfo.output_height;
    out->channels = 3;
    out->pixels = pixels;
    jpeg_destroy_decompress(&cinfo);
    return 0;
}

int ac_jpeg_encode(const uint8_t *rgb, int width, int height, int quality, uint8_t **out, size_t *out_size,
                   char error[AC_ERROR_SIZE]) {
    *out = NULL;
    *out_size = 0;
    error[0] = 0;
    if (width < 1 || height < 1 || quality < 1 || quality > 100) { set_error(error, "cannot be encoded as JPEG (bad arguments)"); return -1; }
    struct jpeg_compress_struct cinfo;
    jpeg_failure failure;
    failure.error = error;
    cinfo.err = jpeg_std_error(&failure.base);
    failure.base.error_exit = jpeg_fail;
    // Address-taken, so it lives in memory and keeps what jpeg_mem_dest put there across a longjmp.
    unsigned char *target = NULL;
    unsigned long buffer_size = 0;
    if (setjmp(failure.jump)) {
        jpeg_destroy_compress(&cinfo);
        free(target);
        return -1;
    }
    jpeg_create_compress(&cinfo);
    jpeg_mem_dest(&cinfo, &target, &buffer_size);
    cinfo.image_width = (JDIMENSION)width;
    cinfo.image_height = (JDIMENSION)height;
    cinfo.input_components = 3;
    cinfo.in_color_space = JCS_RGB;
    jpeg_set_defaults(&cinfo);
    jpeg_set_quality(&cinfo, quality, TRUE);
    jpeg_start_compress(&cinfo, TRUE);
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = (JSAMPROW)(rgb + (size_t)cinfo.next_scanline * (size_t)width * 3);
        jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    *out = target;
    *out_size = buffer_size;
    return 0;
}
