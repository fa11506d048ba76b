/// The answer to each request type the kernel serves.
extension KernelServer {
    typealias Handler = (Message, ZMQSocket) -> Void

    func handler(for type: String, channel: Channel) -> Handler? {
        switch (type, channel) {
        case ("kernel_info_request", _): return { [self] in reply($0, on: $1, content: kernelInfoContent()) }
        case ("shutdown_request", _): return { [self] in shutdown($0, on: $1) }
        case ("interrupt_request", .control): return { [self] in
            interruptRunningCell()
            reply($0, on: $1, content: ["status": "ok"])
        }
        case ("execute_request", .shell): return { [self] in execute($0, on: $1) }
        case ("complete_request", .shell): return { [self] in complete($0, on: $1) }
        case ("inspect_request", .shell): return { [self] in inspect($0, on: $1) }
        case ("is_complete_request", .shell): return { [self] in isComplete($0, on: $1) }
        case ("history_request", .shell): return { [self] in historyReply($0, on: $1) }
        case ("comm_info_request", .shell): return { [self] in
            reply($0, on: $1, content: ["status": "ok", "comms": [:]])
        }
        default: return nil
        }
    }

    func kernelInfoContent() -> JSONObject {
        let info = interpreter.kernelInfo
        let language = info.language
        return [
            "status": "ok",
            "protocol_version": "5.4",
            "implementation": .string(info.implementation),
            "implementation_version": .string(info.implementationVersion),
            "language_info": [
                "name": .string(language.name),
                "version": .string(language.version),
                "mimetype": .string(language.mimetype),
                "file_extension": .string(language.fileExtension),
                "pygments_lexer": .string(language.pygmentsLexer),
                "codemirror_mode": .string(language.codemirrorMode),
                "nbconvert_exporter": .string(language.nbconvertExporter),
            ],
            "banner": .string(info.banner),
            "help_links": .array(info.helpLinks.map { ["text": .string($0.text), "url": .string($0.url)] }),
            "supported_features": [],
            "debugger": false,
        ]
    }

    private func shutdown(_ request: Message, on socket: ZMQSocket) {
        let restart = request.content["restart"]?.boolValue ?? false
        reply(request, on: socket, content: ["status": "ok", "restart": .bool(restart)])
        requestShutdown()
    }

    private func execute(_ request: Message, on socket: ZMQSocket) {
        guard let code = request.content["code"]?.stringValue else {
            return replyBadRequest(request, on: socket, "content.code must be a string")
        }
        let silent = request.content["silent"]?.boolValue ?? false
        let storeHistory = !silent && (request.content["store_history"]?.boolValue ?? true)
        let stopOnError = request.content["stop_on_error"]?.boolValue ?? true
        if storeHistory {
            executionCount += 1
            history.record(line: executionCount, input: code)
        }
        let count = executionCount
        if !silent {
            publisher.publish("execute_input", parent: request,
                              content: ["code": .string(code), "execution_count": .number(Double(count))])
        }
        let flag = CancellationFlag()
        currentCell.withLock { $0 = flag }
        let publisher = self.publisher!
        let context = ExecutionContext(executionCount: count, isSilent: silent, cancellation: flag) { type, content in
            // silent asks for no broadcast output at all.
            if !silent { publisher.publish(type, parent: request, content: content) }
        }
        let outcome = interpreter.execute(code, context: context)
        currentCell.withLock { $0 = nil }

        switch outcome {
        case .success(let result):
            if let result, !silent {
                publisher.publish("execute_result", parent: request, content: [
                    "execution_count": .number(Double(count)), "data": .object(result.data), "metadata": [:],
                ])
                if storeHistory { history.setOutput(line: count, output: result.plainText) }
            } else if let text = context.publishedResultText, storeHistory {
                history.setOutput(line: count, output: text)
            }
            reply(request, on: socket, content: [
                "status": "ok", "execution_count": .number(Double(count)),
                "payload": .array(context.payloads), "user_expressions": [:],
            ])
        case .failure(let error):
            let traceback = JSONValue.array(error.traceback.map { .string($0) })
            if !silent {
                publisher.publish("error", parent: request, content: [
                    "ename": .string(error.name), "evalue": .string(error.value), "traceback": traceback,
                ])
            }
            reply(request, on: socket, content: [
                "status": "error", "execution_count": .number(Double(count)),
                "ename": .string(error.name), "evalue": .string(error.value), "traceback": traceback,
                "payload": .array(context.payloads), "user_expressions": [:],
            ])
            if stopOnError { abortQueuedExecutions(on: socket) }
        }
    }

    /// After a failed cell with stop_on_error, execute requests already waiting are
    /// answered with status "error" (the schema has no "aborted") and not run; other
    /// queued requests are served normally.
    private func abortQueuedExecutions(on socket: ZMQSocket) {
        while let frames = try? socket.receive(wait: false) {
            // Decode once: a second decode would fail as a replay.
            let request: Message
            do { request = try codec.decode(frames) } catch {
                KernelLog.write("dropped a message on shell: \(error)")
                continue
            }
            guard request.messageType == "execute_request" else {
                serveDecoded(request, on: socket)
                continue
            }
            publisher.status("busy", parent: request)
            reply(request, on: socket, content: [
                "status": "error", "execution_count": .number(Double(executionCount)),
                "ename": "ExecutionAborted",
                "evalue": "not run because an earlier cell failed (stop_on_error)",
                "traceback": [],
            ])
            publisher.status("idle", parent: request)
        }
    }

    private func serveDecoded(_ request: Message, on socket: ZMQSocket) {
        guard let handler = handler(for: request.messageType, channel: .shell) else {
            KernelLog.write("dropped a message on shell: unknown msg_type \"\(request.messageType)\"")
            return
        }
        publisher.status("busy", parent: request)
        handler(request, socket)
        publisher.status("idle", parent: request)
    }

    private func complete(_ request: Message, on socket: ZMQSocket) {
        guard let code = request.content["code"]?.stringValue else {
            return replyBadRequest(request, on: socket, "content.code must be a string")
        }
        let length = code.unicodeScalars.count
        let cursor = request.content["cursor_pos"]?.intValue ?? length
        guard (0...length).contains(cursor) else {
            return replyBadRequest(request, on: socket, "content.cursor_pos \(cursor) is outside the code (0...\(length) code points)")
        }
        let result = interpreter.complete(code, cursorPosition: cursor)
        reply(request, on: socket, content: [
            "status": "ok", "matches": .array(result.matches.map { .string($0) }),
            "cursor_start": .number(Double(result.cursorStart)), "cursor_end": .number(Double(result.cursorEnd)),
            "metadata": [:],
        ])
    }

    private func inspect(_ request: Message, on socket: ZMQSocket) {
        guard let code = request.content["code"]?.stringValue else {
            return replyBadRequest(request, on: socket, "content.code must be a string")
        }
        let length = code.unicodeScalars.count
        let cursor = request.content["cursor_pos"]?.intValue ?? length
        guard (0...length).contains(cursor) else {
            return replyBadRequest(request, on: socket, "content.cursor_pos \(cursor) is outside the code (0...\(length) code points)")
        }
        let detail = request.content["detail_level"]?.intValue ?? 0
        let bundle = interpreter.inspect(code, cursorPosition: cursor, detailLevel: detail)
        reply(request, on: socket, content: [
            "status": "ok", "found": .bool(bundle != nil),
            "data": .object(bundle?.data ?? [:]), "metadata": [:],
        ])
    }

    private func isComplete(_ request: Message, on socket: ZMQSocket) {
        guard let code = request.content["code"]?.stringValue else {
            return replyBadRequest(request, on: socket, "content.code must be a string")
        }
        switch interpreter.isComplete(code) {
        case .complete: reply(request, on: socket, content: ["status": "complete"])
        case .incomplete(let indent): reply(request, on: socket, content: ["status": "incomplete", "indent": .string(indent)])
        case .invalid: reply(request, on: socket, content: ["status": "invalid"])
        case .unknown: reply(request, on: socket, content: ["status": "unknown"])
        }
    }

    private func historyReply(_ request: Message, on socket: ZMQSocket) {
        let content = request.content
        let output = content["output"]?.boolValue ?? false
        let entries: [ExecutionHistory.Entry]
        switch content["hist_access_type"]?.stringValue {
        case "tail":
            entries = history.tail(content["n"]?.intValue ?? 10)
        case "range":
            entries = history.range(session: content["session"]?.intValue ?? 0,
                                    start: content["start"]?.intValue ?? 0, stop: content["stop"]?.intValue)
        case "search":
            guard let pattern = content["pattern"]?.stringValue else {
                return replyBadRequest(request, on: socket, "history search needs content.pattern (a glob such as \"x*\")")
            }
            entries = history.search(pattern: pattern, n: content["n"]?.intValue,
                                     unique: content["unique"]?.boolValue ?? false)
        default:
            return replyBadRequest(request, on: socket, "content.hist_access_type must be \"tail\", \"range\" or \"search\"")
        }
        let rows: [JSONValue] = entries.map { entry in
            let input = JSONValue.string(entry.input)
            let cell: JSONValue = output ? [input, entry.output.map { .string($0) } ?? .null] : input
            return [.number(Double(ExecutionHistory.session)), .number(Double(entry.line)), cell]
        }
        reply(request, on: socket, content: ["status": "ok", "history": .array(rows)])
    }
}
