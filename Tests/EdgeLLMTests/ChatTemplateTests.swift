import Testing
@testable import EdgeLLM

/// Chat templates are recognised from the Jinja text and rendered as the template would.
@Suite struct ChatTemplateTests {
    /// SmolLM2-135M-Instruct's `tokenizer.chat_template`.
    static let smolLM2 = "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"

    /// Llama 3 Instruct's template.
    static let llama3 = "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}"

    @Test func smolLM2InsertsItsDefaultSystemMessage() throws {
        let t = try #require(ChatTemplate(recognizing: Self.smolLM2))
        #expect(t.family == .chatML)
        let text = t.render([ChatMessage(role: "user", content: "What is network latency?")], addGenerationPrompt: true)
        #expect(text == "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n<|im_start|>user\nWhat is network latency?<|im_end|>\n<|im_start|>assistant\n")
    }

    @Test func escapedNewlinesInTheTemplateSourceAreUnderstood() throws {
        let qwen = #"{%- if messages[0]['role'] != 'system' %}{{- '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' }}{%- endif %}{%- for message in messages %}{{- '<|im_start|>' + message.role + '\n' + message.content + '<|im_end|>' + '\n' }}{%- endfor %}"#
        let t = try #require(ChatTemplate(recognizing: qwen))
        #expect(t.defaultSystemMessage == "You are a helpful assistant.")
    }

    @Test func aGivenSystemMessageReplacesTheDefault() throws {
        let t = try #require(ChatTemplate(recognizing: Self.smolLM2))
        let text = t.render([ChatMessage(role: "system", content: "Be brief."), ChatMessage(role: "user", content: "Hi")], addGenerationPrompt: false)
        #expect(text == "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n")
    }

    @Test func plainChatMLHasNoDefaultSystem() throws {
        let t = try #require(ChatTemplate(recognizing: "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}"))
        #expect(t.defaultSystemMessage == nil)
        #expect(t.render([ChatMessage(role: "user", content: "x")], addGenerationPrompt: false) == "<|im_start|>user\nx<|im_end|>\n")
    }

    @Test func llama3TrimsContentAndStartsWithBOS() throws {
        let t = try #require(ChatTemplate(recognizing: Self.llama3, bosToken: "<|begin_of_text|>"))
        #expect(t.family == .llama3)
        let text = t.render([ChatMessage(role: "system", content: " Be brief. "), ChatMessage(role: "user", content: "Hi\n")], addGenerationPrompt: true)
        #expect(text == "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n")
    }

    @Test func unknownTemplatesAreNotGuessed() {
        #expect(ChatTemplate(recognizing: "{{ bos_token }}{% for m in messages %}[INST] {{ m.content }} [/INST]{% endfor %}") == nil)
    }

    @Test func tokenizerReadsTheTemplateFromMetadata() throws {
        var m = TinyTokenizerFixtureTests.metadata(TinyTokenizerFixtureTests.fixture.configs[0])
        m["tokenizer.chat_template"] = .string(Self.smolLM2)
        let tokenizer = try Tokenizer(metadata: m)
        #expect(tokenizer.chatTemplate?.family == .chatML)
    }
}
