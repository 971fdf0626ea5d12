import ArgumentParser
import GANModels

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the families, their presets and the data specs.",
        discussion: """
        Examples:
          gan list
          gan train dcgan --preset dcgan64 --data folder:~/faces
        """
    )

    func run() throws {
        print("Families (gan train FAMILY [--preset NAME]):")
        for family in Families.all {
            print("  \(family.name.padding(toLength: 8, withPad: " ", startingAt: 0)) \(family.summary)")
            for preset in family.presets {
                let marks = [family.defaultPreset(forToyData: false) == preset.name ? "default for images" : nil,
                             family.defaultPreset(forToyData: true) == preset.name && preset.make().dataRequirements.acceptsPoints
                                 ? "default for toy data" : nil]
                    .compactMap { $0 }
                let note = marks.isEmpty ? "" : " (\(marks.joined(separator: ", ")))"
                print("      \(preset.name.padding(toLength: 9, withPad: " ", startingAt: 0)) \(preset.summary)\(note)")
            }
            let options = family.options.map(\.usage).joined(separator: ", ")
            print("      options: " + (family.domainCount == 2 ? "--data-b SPEC (domain B), " : "") + options)
        }
        print("""

        Data specs (--data):
          fashion-mnist             Fashion-MNIST from /usr/share/datasets/fashion-mnist (Debian: dataset-fashion-mnist)
          fashion-mnist:DIR         its IDX files in DIR; also mnist:DIR, kmnist:DIR
          idx:IMAGES[,LABELS]       one IDX images file (and labels)
          cifar10:DIR, cifar100:DIR CIFAR binary batches
          folder:DIR                PNG/JPEG images, class = sub-folder
          npy:FILE[,LABELS]         a NumPy array of samples (and labels)
          toy:ring8, toy:grid25     2-D Gaussian mixtures (no data needed)
          SPEC@CLASS[,CLASS...]     keep only some classes, e.g. fashion-mnist@sneaker
          SPEC|negative, SPEC|edges the images' negatives or edge maps (CoGAN's domain B), e.g. fashion-mnist|negative

        Losses (--loss): \(AdversarialLoss.allCases.map(\.rawValue).joined(separator: ", "))

        Family options (gan train FAMILY ... --OPTION VALUE; each family takes only its own):
        \(familyOptionHelp())
        """)
    }
}

/// Every family option once, with the families that take it.
func familyOptionHelp() -> String {
    var seen: [FamilyOption] = []
    for family in Families.all { for option in family.options where !seen.contains(where: { $0.name == option.name }) { seen.append(option) } }
    let indent = String(repeating: " ", count: 21)
    return seen.map { option in
        let text = option.help + " [" + Families.taking(option: option.name).joined(separator: ", ") + "]"
        let lines = wrapped(text, width: 79 - indent.count)
        return "  " + option.usage.padding(toLength: 18, withPad: " ", startingAt: 0) + " "
            + lines.joined(separator: "\n" + indent)
    }.joined(separator: "\n")
}

/// `text` in lines of at most `width` characters, broken at spaces (a longer word keeps its
/// own line): help text is printed as written, so it must fit a terminal itself.
func wrapped(_ text: String, width: Int) -> [String] {
    var lines: [String] = [], line = ""
    for word in text.split(separator: " ") {
        if !line.isEmpty && line.count + 1 + word.count > width {
            lines.append(line)
            line = ""
        }
        line += (line.isEmpty ? "" : " ") + word
    }
    return lines + (line.isEmpty ? [] : [line])
}
