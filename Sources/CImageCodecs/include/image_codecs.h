// PNG and JPEG decoding and encoding through Debian's libpng and libjpeg-turbo, with their
// longjmp-based error handling kept inside C (Swift cannot call setjmp): every function returns 0 on
// success, or -1 with a one-line reason in `error`. No function allocates before the image's header
// has been checked against the caller's area limit.
#ifndef AUXSWEEP_IMAGE_CODECS_H
#define AUXSWEEP_IMAGE_CODECS_H

#include <stddef.h>
#include <stdint.h>

#define AC_ERROR_SIZE 200

/// How a PNG's samples arrive: as RGB (palette expanded, grey replicated, alpha dropped), or as the
/// one stored sample per pixel (a palette index or a grey value; RGB and 16-bit files are refused).
typedef enum { AC_PNG_RGB = 0, AC_PNG_INDEX = 1 } ac_png_mode;

/// A decoded image: `channels` (1 or 3) bytes per pixel, rows top to bottom; free `pixels` with ac_free.
typedef struct {
    int width, height, channels;
    /// For AC_PNG_INDEX: 1 when the file was a palette PNG, 0 when grey.
    int palette;
    uint8_t *pixels;
} ac_image;

int ac_png_decode(const uint8_t *data, size_t size, ac_png_mode mode, int64_t max_area, int min_side,
                  ac_image *out, char error[AC_ERROR_SIZE]);
int ac_jpeg_decode(const uint8_t *data, size_t size, int64_t max_area, int min_side,
                   ac_image *out, char error[AC_ERROR_SIZE]);

/// PNG of 8-bit samples: channels 1 (grey, or palette indices when palette_rgb is given with
/// palette_count entries) or 3 (RGB). *out is malloc'd; free it with ac_free.
int ac_png_encode(const uint8_t *pixels, int width, int height, int channels, const uint8_t *palette_rgb,
                  int palette_count, uint8_t **out, size_t *out_size, char error[AC_ERROR_SIZE]);
/// Baseline JPEG of RGB pixels at `quality` (1-100), 4:2:0 as libjpeg's defaults.
int ac_jpeg_encode(const uint8_t *rgb, int width, int height, int quality, uint8_t **out, size_t *out_size,
                   char error[AC_ERROR_SIZE]);

void ac_free(void *pointer);

#endif
