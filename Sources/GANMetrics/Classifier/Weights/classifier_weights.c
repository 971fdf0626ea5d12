// The classifier weights as a byte array, by C23 `#embed` (clang 19 and later): the file
// stays the one committed safetensors file, and the depfile names it, so a new one rebuilds.
#include "GANClassifierWeights.h"

#if defined(__has_embed)
#if __has_embed("fashion-mnist-classifier.safetensors")
#define GAN_HAS_EMBEDDED_WEIGHTS 1
#endif
#endif

#ifdef GAN_HAS_EMBEDDED_WEIGHTS
#pragma clang diagnostic ignored "-Wc23-extensions"
static const unsigned char weights[] = {
#embed "fashion-mnist-classifier.safetensors"
};

const unsigned char *gan_classifier_weights(size_t *size) {
    *size = sizeof weights;
    return weights;
}
#else
// An older compiler: FashionClassifier.pretrained() says the weights are not built in.
const unsigned char *gan_classifier_weights(size_t *size) {
    *size = 0;
    return (const unsigned char *)"";
}
#endif
