import Testing
import PolyICLCore
@testable import PolyICLLanguage

@Suite struct RegistryTests {
    @Test func everyExampleChecksAsWritten() throws {
        let interpreter = try fixtureInterpreter()
        // The linear-regression model and task the analysis commands' examples name.
        interpreter.session.store(StubModel(configuration: ModelConfiguration(embedding: 64, layers: 3, heads: 2, points: 21, inputDimension: 5)), as: "lin5")
        interpreter.session.store(StubObject(kind: .task), as: "lin")
        for command in interpreter.registry.commands {
            #expect(!command.examples.isEmpty, "\(command.name) has no example")
            for example in command.examples {
                #expect(interpreter.diagnostics(for: example).isEmpty, "\(example): \(interpreter.diagnostics(for: example).map(\.message))")
            }
        }
    }

    @Test func helpNamesEveryKeyWithItsTypeAndDefault() {
        for command in CommandRegistry.standard.commands {
            let help = command.helpText
            #expect(help.hasPrefix("\(command.name): \(command.summary)"))
            for form in command.forms {
                for p in form.allParameters {
                    #expect(help.contains(p.name), "\(command.name) help lacks \(p.name)")
                    #expect(help.contains(p.type.phrase.capitalizedFirst), "\(command.name) help lacks the type of \(p.name)")
                    if let d = p.defaultValue { #expect(help.contains("Default \(d.compactDescription)."), "\(command.name).\(p.name)") }
                }
            }
        }
        let train = CommandRegistry.standard["train"]?.helpText ?? ""
        #expect(train.split(separator: "\n").contains {
            $0.hasPrefix("  lr= ") && $0.hasSuffix(" Learning rate; when absent 1e-4 for a plain model, 5e-5 for a LoRA model, 5e-2 for a soft prompt (the paper's). A number > 0.")
        })
    }

    @Test func markdownReferenceHasEveryCommand() {
        let markdown = LanguageReference.markdown(.standard)
        for command in CommandRegistry.standard.commands {
            #expect(markdown.contains("| `\(command.name)` | \(command.summary) |"))
            #expect(markdown.contains("### `\(command.name)`"))
        }
    }

    @Test func coreCommandsOnStandInObjectsSayWhatTheNameHolds() throws {
        // The fixture's objects are stand-ins the training core cannot use.
        let cells = [
            "train base on=poly steps=10", "e = eval base on=poly", "plot ev", "table ev", "show poly",
            "save base \"b.safetensors\"", "export ev \"ev.csv\"", "density poly",
        ]
        for cell in cells {
            let interpreter = try fixtureInterpreter()
            let error = interpreter.run(cell).0.error
            #expect(error?.name == "WrongKind", "\(cell): \(String(describing: error))")
            #expect(error?.message.contains("is not") == true, "\(cell): \(String(describing: error))")
        }
    }

    @Test func aLaterDeclarationReplacesAnEarlierOne() throws {
        let bound = CommandDeclaration(name: "plot", summary: "bound", help: "", examples: ["plot ev"],
                                       positionals: [Parameter("object", .objectName([.result]), required: true, help: "x")],
                                       run: { invocation in
                                           invocation.sink.stream(.stdout, "plotted \(invocation.arguments.objectName("object") ?? "")\n")
                                           return nil
                                       })
        let registry = CommandRegistry.standard.adding([bound])
        #expect(registry.commands.count == CommandRegistry.standard.commands.count)
        let interpreter = Interpreter(registry: registry, session: try fixtureInterpreter().session)
        #expect(interpreter.run("plot ev") == (.ok, [.stream(.stdout, "plotted ev\n")]))
    }

    @Test func editDistanceAgainstHandComputedValues() {
        #expect(Suggestions.editDistance("kitten", "sitting") == 3)
        #expect(Suggestions.editDistance("", "abc") == 3)
        #expect(Suggestions.editDistance("stepz", "steps") == 1)
        #expect(Suggestions.editDistance("Flaw", "lawn") == 2)
        #expect(Suggestions.closest(to: "lr", among: ["lr", "layers", "clip"]) == ["lr"])
        #expect(Suggestions.didYouMean("zzzz", among: ["print", "train"]) == nil)
    }
}
