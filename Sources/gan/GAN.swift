import ArgumentParser
import GANTensor

@main
struct GAN: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gan",
        abstract: "Train, sample and evaluate GANs on a CPU tensor engine written in Swift.",
        version: GANTensorVersion.string,
        subcommands: [Train.self, Sample.self, Interpolate.self, Mix.self, Translate.self, Attention.self, List.self, Report.self, Info.self, Bench.self,
                      Classifier.self, Eval.self, Weights.self, DataCommand.self]
    )
}
