// libjpeg (libjpeg-turbo), found through pkg-config (`libjpeg-dev` on Debian/Ubuntu).
// jpeglib.h uses FILE and size_t without including their headers.
#include <stddef.h>
#include <stdio.h>
#include <jpeglib.h>
