import PolyICLCore

extension ModelCommand {
    @Sendable static func run(_ invocation: CommandInvocation) throws -> (any SessionObject)? {
        let configuration = configuration(from: invocation.arguments)
        var generator = RandomGenerator(seed: UInt64(invocation.arguments.integer("seed") ?? 0))
        do {
            let model = try TransformerModel(configuration: configuration, generator: &generator)
            return TransformerModelObject(model: model)
        } catch {
            throw invocation.failure(error)
        }
    }
}
