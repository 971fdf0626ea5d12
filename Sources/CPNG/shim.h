// libpng 1.6, found through pkg-config (`libpng-dev` on Debian/Ubuntu).
#include <png.h>
