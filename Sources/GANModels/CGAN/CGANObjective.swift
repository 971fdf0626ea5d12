// CGAN's objective is the GAN objective with both networks given the class:
//
//   D: minimise softplus(−D(x | y)) + softplus(D(G(z | y) | y))
//   G: minimise softplus(−D(G(z | y) | y))
//
// The labels y of a step are those of the real batch, so G sees the data's class frequencies.
// The conditioning itself (one-hot y appended to z, and to D's input as columns or planes) is in
// Shared/Networks.swift (`appendingOneHot`, `appendingLabelPlanes`), used by every network when
// it is built with `classCount > 0`.
