import Foundation

/// The `stylegan` family.
public enum StyleGANFamily: Family {
    public static let name = "stylegan"
    public static let summary = "StyleGAN: mapping network, AdaIN styles and noise from a learned constant; logistic loss, lazy R1, style mixing, truncation in W, EMA; --variant 2: StyleGAN2 (modulated convolutions, skip G, residual D, path-length regularisation)"
    public static var presets: [Preset] {
        [Preset("grey28", "28×28 grey (Fashion-MNIST): constant 7×7 → 14 → 28 at 96, 48, 24 maps; mapping 4 × 128") { StyleGANConfig.grey28 },
         Preset("colour32", "32×32 colour: constant 4×4 → 8 → 16 → 32 at 128, 128, 64, 32 maps; mapping 4 × 128") { StyleGANConfig.colour32 },
         Preset("colour64", "64×64 colour (emoji groups): constant 4×4 → … → 64 at 128, 128, 64, 32, 16 maps") { StyleGANConfig.colour64 }]
    }
    public static var options: [FamilyOption] { StyleGANConfig.options }
    public static func defaultPreset(forToyData: Bool) -> String { "grey28" }
    public static func decodeConfiguration(from data: Data) throws -> any ModelConfiguration {
        try decodeConfig(StyleGANConfig.self, from: data, family: name)
    }
}
