import PolyICLCore

/// Checks that compare arguments with the size of the model they name, made before any
/// work starts. They apply when the model's configuration is known at check time (made
/// earlier in the cell, or a live model object); otherwise the run body checks again.
enum ModelChecks {
    /// An integer argument counted in points must fit the model's context.
    static func pointsWithinContext(_ key: String, model modelKey: String = "model", offset: Int = 0) -> CrossCheck {
        { arguments, environment in
            guard let name = arguments.objectName(modelKey), let configuration = environment.modelConfiguration(named: name),
                  let points = arguments.integer(key), points + offset > configuration.points else { return [] }
            let largest = configuration.points - offset
            return [Diagnostic(.outOfRange, "\(key)=\(points) is more than model `\(name)` takes (\(configuration.points) points, \(configuration.positions) positions)",
                               at: arguments.range(of: key), hint: "use \(key)=\(largest) or less, or a model with more points")]
        }
    }

    static let curriculumWithinContext: CrossCheck = { arguments, environment in
        guard let name = arguments.objectName("model"), let configuration = environment.modelConfiguration(named: name),
              let curriculum = arguments.integerRange("curriculum"), curriculum.upperBound > configuration.points else { return [] }
        return [Diagnostic(.outOfRange, "curriculum ends at \(curriculum.upperBound) points, more than model `\(name)` takes (\(configuration.points))",
                           at: arguments.range(of: "curriculum"), hint: "use curriculum=\(min(curriculum.lowerBound, configuration.points))..\(configuration.points)")]
    }

    /// Frozen groups must exist in the model: no h.7 in a 6-layer model, no wpe without positions.
    static let frozenGroupsExist: CrossCheck = { arguments, environment in
        guard let name = arguments.objectName("model"), let configuration = environment.modelConfiguration(named: name) else { return [] }
        let groups = configuration.parameterGroups
        let missing = (arguments.list("freeze") ?? []).compactMap(\.wordValue).filter { !groups.contains($0) }
        guard let first = missing.first else { return [] }
        return [Diagnostic(.invalidValue, "model `\(name)` has no parameter group `\(first)`", at: arguments.range(of: "freeze"),
                           hint: "its groups are " + groups.joined(separator: ", "))]
    }

    /// `m = model ...` tells the statements after it how big `m` will be.
    static let recordConfiguration: EnvironmentUpdate = { arguments, target, environment in
        guard let target else { return }
        environment.setModelConfiguration(ModelCommand.configuration(from: arguments), for: target)
    }
}
