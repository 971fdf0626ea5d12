// The GAN objective is the shared `AdversarialLoss` (`.minimax` or `.nonSaturating`) with one
// discriminator step per generator step; `GANConfig.objective` selects it and
// `GANModel.trainingStep` (Training/Model.swift) runs it:
//
//   D: minimise softplus(−D(x)) + softplus(D(G(z)))          (= −log σ(D(x)) − log(1 − σ(D(G(z)))))
//   G: minimax        minimise −softplus(D(G(z)))             (= log(1 − σ(D(G(z)))))
//      non-saturating minimise softplus(−D(G(z)))             (= −log σ(D(G(z))))
