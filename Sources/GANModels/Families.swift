/// The families, by name.
public enum Families {
    /// Every registered family, in the order `gan list` shows them.
    public static let all: [any Family.Type] = [
        GANFamily.self, DCGANFamily.self, CGANFamily.self, WGANFamily.self, WGANGPFamily.self, CycleGANFamily.self,
        CoGANFamily.self, SAGANFamily.self, BigGANFamily.self, ProGANFamily.self,
        StyleGANFamily.self,
    ]

    /// The family called `name`.
    /// - Throws: `ModelError.unknownFamily` listing the known names.
    public static func named(_ name: String) throws -> any Family.Type {
        guard let family = all.first(where: { $0.name == name.lowercased() }) else {
            throw ModelError.unknownFamily(name, known: all.map { $0.name })
        }
        return family
    }

    /// The config of `preset` of `family`.
    public static func preset(_ name: String, of family: any Family.Type) throws -> any ModelConfiguration {
        guard let preset = family.presets.first(where: { $0.name == name }) else {
            throw ModelError.unknownPreset(name, family: family.name, known: family.presets.map(\.name))
        }
        return preset.make()
    }

    /// The families that take the option `--name`.
    public static func taking(option name: String) -> [String] {
        all.filter { family in family.options.contains { $0.name == name } }.map { $0.name }
    }
}
