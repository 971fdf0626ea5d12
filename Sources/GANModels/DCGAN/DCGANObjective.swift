// DCGAN's objective is the non-saturating GAN loss (binary cross-entropy on logits) with one
// D step per G step, the generated batch reused for the G step as in pytorch/examples/dcgan:
//
//   fake = G(z)
//   D: minimise BCE(D(x), 1) + BCE(D(fake.detach()), 0)
//   G: minimise BCE(D(fake), 1)
//
// `DCGANConfig.objective` selects it; `GANModel.trainingStep` (Training/Model.swift) runs it.
