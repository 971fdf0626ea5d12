// GANClassifierWeights: the committed Fashion-MNIST classifier weights, compiled into the
// binary, so that a `gan` copied out of .build runs without a resource bundle beside it.
#ifndef GAN_CLASSIFIER_WEIGHTS_H
#define GAN_CLASSIFIER_WEIGHTS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The bytes of fashion-mnist-classifier.safetensors; `*size` receives their count, 0 when
/// the compiler had no `#embed` (then the pointer is not to be read).
const unsigned char *gan_classifier_weights(size_t *size);

#ifdef __cplusplus
}
#endif

#endif
