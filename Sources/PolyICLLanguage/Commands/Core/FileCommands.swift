/// `save`, `load` and `export`: files (run bodies in FileRun.swift).
enum SaveCommand {
    static let declaration = CommandDeclaration(
        name: "save",
        summary: "Write a model's weights and configuration to a safetensors file.",
        help: """
        Tensor names follow the PyTorch reference (`_backbone.h.0.attn.c_attn.weight`, ...). A model \
        with adapters (`lora`, `softprompt`) writes only its adapters, named as peft writes them \
        (`base_model.model._backbone.h.0.attn.c_attn.lora_A.weight`, `prompt_embeddings`); with \
        merged=true a LoRA model writes a full checkpoint with the adapters folded in.
        """,
        examples: ["save base \"models/base.safetensors\"", "save base \"models/run.safetensors\" state=true", "save ft \"models/ft-adapters.safetensors\"", "save ft \"models/ft-merged.safetensors\" merged=true"],
        positionals: [
            Parameter("model", .objectName([.model]), required: true, help: "The model to save."),
            Parameter("path", .path(mustExist: false, extensions: ["safetensors"]), required: true, help: "The file to write."),
        ],
        keys: [
            Parameter("merged", .boolean, default: .boolean(false), help: "For a LoRA model: a full checkpoint with the adapters merged, instead of the adapters alone."),
            Parameter("state", .boolean, default: .boolean(false), help: "Also write the latest training run's state (optimiser moments, step, prompt stream) as `training_state` tensors and metadata, so that loading the file and training on with the same settings continues that run exactly. PyTorch then loads the model after dropping the tensors named training_state.*."),
        ],
        updatesEnvironment: { arguments, _, environment in
            if let path = arguments.string("path") { environment.noteWritten(path: path) }
        },
        run: run)
}

enum LoadCommand {
    static let declaration = CommandDeclaration(
        name: "load",
        summary: "Read a model from a safetensors file, or attach saved adapters to a copy of a model (base=).",
        help: """
        A model file: the configuration is read from the file's metadata; a file saved from PyTorch \
        without it needs heads= (and points= when it has no position embeddings). An adapter file \
        (LoRA matrices or a soft prompt, as `save` writes them for a `lora` or `softprompt` model, \
        or as peft names them) needs base=, the plain model the adapters were trained on: the result \
        is a copy of it with the adapters attached (base frozen, as after `lora`), and the base is \
        not changed. The file's width, layers and points must be the base's.
        """,
        examples: ["base2 = load \"models/base.safetensors\"", "ft2 = load \"models/ft-adapters.safetensors\" base=base"],
        positionals: [Parameter("path", .path(mustExist: true, extensions: ["safetensors"]), required: true, help: "The file to read.")],
        keys: [
            Parameter("base", .objectName([.model]), help: "For an adapter file: the plain model the adapters go on (it is copied, not changed)."),
            Parameter("heads", .integer(IntegerBounds(minimum: 1, maximum: 64)), help: "Attention heads, for a model file without PolyICL's metadata (saved from PyTorch)."),
            Parameter("points", .integer(IntegerBounds(minimum: 1, maximum: 4096)), help: "Points, for a model file without metadata whose model has no position embeddings."),
        ],
        produces: .model,
        updatesEnvironment: FineTuningDefaults.recordBaseConfiguration,
        run: run)
}

enum ExportCommand {
    static let declaration = CommandDeclaration(
        name: "export",
        summary: "Write a result to CSV or JSON (by the file's extension), for pandas.",
        help: "CSV has one row per context length; JSON holds the columns and the notes on how the result was made.",
        examples: ["export ev \"ev.csv\"", "export ev \"ev.json\""],
        positionals: [
            Parameter("result", .objectName([.result]), required: true, help: "The result to write."),
            Parameter("path", .path(mustExist: false, extensions: ["csv", "json"]), required: true, help: "The file to write."),
        ],
        run: run)
}
