import Foundation

/// The `progan` family.
public enum ProGANFamily: Family {
    public static let name = "progan"
    public static let summary = "ProGAN: G and D grown level by level with fade-in; equalised lr, pixel norm, minibatch std-dev, WGAN-GP + drift, EMA"
    public static var presets: [Preset] {
        [Preset("grey28", "28×28 grey (Fashion-MNIST): 7→14→28 at 96, 48, 24 maps") { ProGANConfig.grey28 },
         Preset("colour32", "32×32 colour: 4→8→16→32 at 128, 128, 64, 32 maps") { ProGANConfig.colour32 },
         Preset("colour64", "64×64 colour (emoji groups): 4→…→64 at 128, 128, 64, 32, 16 maps") { ProGANConfig.colour64 }]
    }
    public static var options: [FamilyOption] { ProGANConfig.options }
    public static func defaultPreset(forToyData: Bool) -> String { "grey28" }
    public static func decodeConfiguration(from data: Data) throws -> any ModelConfiguration {
        try decodeConfig(ProGANConfig.self, from: data, family: name)
    }
}
