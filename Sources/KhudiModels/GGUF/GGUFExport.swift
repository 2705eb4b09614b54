import Foundation
import KhudiNN
import KhudiTensor
import KhudiTokenizer

/// Writes a model (and its tokenizer) as GGUF for llama.cpp-based tools, as llama.cpp's
/// `convert_hf_to_gguf.py` lays it out.
///
/// GPT-2 goes to the `gpt2` architecture; Llama and Mistral to `llama`, whose interleaved RoPE
/// needs the rows of q and k permuted per head (Hugging Face stores rotate_half order); Qwen2 to
/// `qwen2` (rotate_half, no permutation). Llama 3 RoPE scaling becomes a `rope_freqs.weight`
/// tensor of per-frequency factors. Matrices are F32 or F16; norms, biases and other 1-D
/// tensors stay F32, as the converter keeps them.
public enum GGUFExport {
    public static func write(
        _ directory: ModelDirectory, to path: String, type: GGUFWriter.TensorType,
        name: String? = nil
    ) throws(ModelError) {
        var writer = GGUFWriter()
        writer.set(
            "general.name", .string(name ?? URL(fileURLWithPath: directory.path).lastPathComponent))
        writer.set("general.file_type", .uint32(type == .f32 ? 0 : 1))
        switch directory.model {
        case let gpt2 as GPT2Model:
            gpt2Tensors(gpt2, type: type, into: &writer)
        case let llama as LlamaModel:
            llamaTensors(llama, type: type, into: &writer)
        default:
            throw .badInput("GGUF export supports GPT-2 and the Llama family")
        }
        if let tokenizer = directory.tokenizer {
            tokenizerKeys(tokenizer, endOfSequence: directory.endOfSequenceIDs, into: &writer)
        }
        try writer.write(to: path)
    }

    /// Adds `tensor` (or `values` in its shape) as `type` if it is a matrix, F32 otherwise.
    static func add(
        _ name: String, _ tensor: Tensor, _ values: [Float]?, type: GGUFWriter.TensorType,
        into writer: inout GGUFWriter
    ) {
        writer.add(
            name, shape: tensor.shape, values: values ?? tensor.values,
            as: tensor.shape.count > 1 ? type : .f32)
    }

    static func gpt2Tensors(
        _ model: GPT2Model, type: GGUFWriter.TensorType, into writer: inout GGUFWriter
    ) {
        func add(_ name: String, _ tensor: Tensor, _ values: [Float]?) {
            Self.add(name, tensor, values, type: type, into: &writer)
        }
        let c = model.configuration
        writer.set("general.architecture", .string("gpt2"))
        writer.set("gpt2.context_length", .uint32(UInt32(c.contextLength)))
        writer.set("gpt2.embedding_length", .uint32(UInt32(c.dimension)))
        writer.set("gpt2.feed_forward_length", .uint32(UInt32(c.innerDimension)))
        writer.set("gpt2.block_count", .uint32(UInt32(c.layerCount)))
        writer.set("gpt2.attention.head_count", .uint32(UInt32(c.heads)))
        writer.set("gpt2.attention.layer_norm_epsilon", .float32(c.layerNormEps))
        add("token_embd.weight", model.tokenEmbedding.weight, nil)
        add("position_embd.weight", model.positionEmbedding.weight, nil)
        for (index, block) in model.blocks.enumerated() {
            let prefix = "blk.\(index)."
            for (name, tensor) in [
                ("attn_norm.weight", block.norm1.weight), ("attn_norm.bias", block.norm1.bias),
                ("attn_qkv.weight", block.attention.qkv.weight),
                ("attn_qkv.bias", block.attention.qkv.bias),
                ("attn_output.weight", block.attention.projection.weight),
                ("attn_output.bias", block.attention.projection.bias),
                ("ffn_norm.weight", block.norm2.weight), ("ffn_norm.bias", block.norm2.bias),
                ("ffn_up.weight", block.mlp.up.weight), ("ffn_up.bias", block.mlp.up.bias),
                ("ffn_down.weight", block.mlp.down.weight), ("ffn_down.bias", block.mlp.down.bias),
            ] {
                if let tensor { add(prefix + name, tensor, nil) }
            }
        }
        add("output_norm.weight", model.finalNorm.weight, nil)
        if let bias = model.finalNorm.bias { add("output_norm.bias", bias, nil) }
    }

    static func llamaTensors(
        _ model: LlamaModel, type: GGUFWriter.TensorType, into writer: inout GGUFWriter
    ) {
        func add(_ name: String, _ tensor: Tensor, _ values: [Float]?) {
            Self.add(name, tensor, values, type: type, into: &writer)
        }
        let c = model.configuration
        let architecture = c.modelType == "qwen2" ? "qwen2" : "llama"
        let permutes = architecture == "llama"
        writer.set("general.architecture", .string(architecture))
        writer.set("\(architecture).vocab_size", .uint32(UInt32(c.vocabularySize)))
        writer.set("\(architecture).context_length", .uint32(UInt32(c.contextLength)))
        writer.set("\(architecture).embedding_length", .uint32(UInt32(c.dimension)))
        writer.set("\(architecture).feed_forward_length", .uint32(UInt32(c.hiddenDimension)))
        writer.set("\(architecture).block_count", .uint32(UInt32(c.layerCount)))
        writer.set("\(architecture).attention.head_count", .uint32(UInt32(c.heads)))
        writer.set("\(architecture).attention.head_count_kv", .uint32(UInt32(c.kvHeads)))
        writer.set("\(architecture).attention.key_length", .uint32(UInt32(c.headDim)))
        writer.set("\(architecture).attention.value_length", .uint32(UInt32(c.headDim)))
        writer.set("\(architecture).attention.layer_norm_rms_epsilon", .float32(c.rmsNormEps))
        writer.set("\(architecture).rope.dimension_count", .uint32(UInt32(c.headDim)))
        writer.set("\(architecture).rope.freq_base", .float32(Float(c.ropeTheta)))
        add("token_embd.weight", model.tokenEmbedding.weight, nil)
        for (index, block) in model.blocks.enumerated() {
            let prefix = "blk.\(index)."
            let attention = block.attention
            func rows(_ tensor: Tensor, heads: Int) -> [Float]? {
                permutes ? permutedRows(tensor, heads: heads) : nil
            }
            add(prefix + "attn_norm.weight", block.inputNorm.weight, nil)
            add(
                prefix + "attn_q.weight", attention.query.weight,
                rows(attention.query.weight, heads: c.heads))
            add(
                prefix + "attn_k.weight", attention.key.weight,
                rows(attention.key.weight, heads: c.kvHeads))
            add(prefix + "attn_v.weight", attention.value.weight, nil)
            if let bias = attention.query.bias {
                add(prefix + "attn_q.bias", bias, rows(bias, heads: c.heads))
            }
            if let bias = attention.key.bias {
                add(prefix + "attn_k.bias", bias, rows(bias, heads: c.kvHeads))
            }
            if let bias = attention.value.bias { add(prefix + "attn_v.bias", bias, nil) }
            add(prefix + "attn_output.weight", attention.output.weight, nil)
            add(prefix + "ffn_norm.weight", block.postAttentionNorm.weight, nil)
            add(prefix + "ffn_gate.weight", block.mlp.gate.weight, nil)
            add(prefix + "ffn_up.weight", block.mlp.up.weight, nil)
            add(prefix + "ffn_down.weight", block.mlp.down.weight, nil)
        }
        add("output_norm.weight", model.finalNorm.weight, nil)
        if let head = model.head { add("output.weight", head.weight, nil) }
        if c.llama3Scaling != nil {
            // llama.cpp divides each base frequency by its factor.
            var unscaled = c
            unscaled.llama3Scaling = nil
            let factors = zip(unscaled.inverseFrequencies, c.inverseFrequencies).map {
                Float($0 / $1)
            }
            add("rope_freqs.weight", Tensor(factors, shape: [factors.count]), nil)
        }
    }

    /// Rows of a q or k projection (heads · headDim, …) reordered from rotate_half pairs
    /// (i, i + d/2) to interleaved pairs (2i, 2i + 1), per head: llama.cpp's permute.
    static func permutedRows(_ tensor: Tensor, heads: Int) -> [Float] {
        let rows = tensor.shape[0]
        let width = tensor.count / rows
        let headDim = rows / heads
        let half = headDim / 2
        let values = tensor.values
        var out = [Float](repeating: 0, count: values.count)
        for head in 0..<heads {
            for i in 0..<half {
                for part in 0..<2 {
                    // (heads, 2, half, width) → (heads, half, 2, width)
                    let from = head * headDim + part * half + i
                    let to = head * headDim + 2 * i + part
                    for column in 0..<width {
                        out[to * width + column] = values[from * width + column]
                    }
                }
            }
        }
        return out
    }

    /// The tokenizer keys: `gpt2` (byte-level BPE: byte-mapped tokens and merges) or `llama`
    /// (SentencePiece-style pieces with scores, byte pieces typed as bytes).
    static func tokenizerKeys(
        _ tokenizer: any TextTokenizer, endOfSequence: Set<Int32>, into writer: inout GGUFWriter
    ) {
        let specials = Set(tokenizer.specialTokens.map(\.id))
        var types = [Int32](repeating: 1, count: tokenizer.vocabularySize)
        for id in specials where id < types.count { types[id] = 3 }  // control
        switch tokenizer {
        case let bytes as ByteLevelTokenizer:
            let model = bytes.model
            let tokens = model.tokens.indices.map { id in
                specials.contains(id)
                    ? String(decoding: model.tokens[id], as: UTF8.self)
                    : ByteLevel.encode(model.tokens[id])
            }
            writer.set("tokenizer.ggml.model", .string("gpt2"))
            writer.set("tokenizer.ggml.pre", .string("default"))
            writer.set("tokenizer.ggml.tokens", .strings(tokens))
            writer.set("tokenizer.ggml.token_type", .int32s(types))
            writer.set(
                "tokenizer.ggml.merges",
                .strings(model.merges.map { "\(tokens[$0.left]) \(tokens[$0.right])" }))
        case let pieces as PieceTokenizer:
            let list = pieces.model.pieces
            let scores: [Float]
            switch pieces.model {
            case .unigram(let unigram):
                scores = unigram.scores.map(Float.init)
                if unigram.unknownID < types.count { types[unigram.unknownID] = 2 }
            case .bpe:
                scores = list.indices.map { -Float($0) }  // earlier pieces merge first
            }
            for (id, piece) in list.enumerated()
            where piece.count == 6 && piece.hasPrefix("<0x") && piece.hasSuffix(">") {
                types[id] = 6  // byte
            }
            writer.set("tokenizer.ggml.model", .string("llama"))
            writer.set("tokenizer.ggml.tokens", .strings(list))
            writer.set("tokenizer.ggml.scores", .float32s(scores))
            writer.set("tokenizer.ggml.token_type", .int32s(types))
        default:
            return
        }
        if let eos = endOfSequence.min() {
            writer.set("tokenizer.ggml.eos_token_id", .uint32(UInt32(eos)))
        }
        if let bos = tokenizer.template.prefix.first {
            writer.set("tokenizer.ggml.bos_token_id", .uint32(UInt32(bos)))
        }
    }
}
