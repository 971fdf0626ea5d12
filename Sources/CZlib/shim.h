// zlib, found through pkg-config (`zlib1g-dev` on Debian/Ubuntu).
#include <zlib.h>
