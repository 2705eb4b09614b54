/// Every recipe key with its default, as `khudi recipe schema` prints it.
///
/// The text is itself a valid recipe (a test reads it), so it cannot drift from what the reader
/// accepts.
public enum RecipeSchema {
    public static let text = """
        # A Khudi recipe: one file that describes a whole run. Paths are relative to the recipe
        # file. Stages run in this order, each only when the recipe asks for it:
        #   clean → tokenizer → tokenizer-eval → encode → train → finetune → perplexity → sample → export
        # Every key below shows its default; a section left out is a stage that does not run.

        name: my-run                 # default: the recipe's file name without .yaml
        seed: 1                      # train.seed and finetune.seed unless they set one; sampling
        output: runs/my-run          # the run directory; default runs/NAME (from the working directory)

        data:
          sources:                   # raw text for khudi-clean: files, directories or globs
            - path: corpus/*.txt     # (.txt, .jsonl, .gz); a bare string is a path
              language: urd          # kept by the cleaner (when every source names one)
              weight: 1.0            # multiplies this language's counts in tokenizer training
          instructions: [sft.jsonl]  # finetune: instruction/input/output or messages JSONL
          validation_instructions: []
          chat_template: khudi       # khudi or chatml; saved in tokenizer_config.json

        clean:                       # khudi-clean's configuration (see khudi-clean --help)
          languages: [urd]           # default: the sources' languages, else auto
          line_docs: false
          text_field: text
          invalid_utf8: repair       # or reject
          normalize: { honorifics: keep, digits: foldArabicIndic, strip_diacritics: false }
          min_chars: 1
          max_chars: 5000000
          filters: { gopher_quality: true, gopher_repetition: true, fineweb_quality: true, c4: false }
          dedup: { exact: true, minhash: true, bands: 14, rows: 8, ngram: 5 }
          pii: [email, ip_address, phone, cnic]
          shard_documents: 10000
          write_rejected: false

        tokenizer:                   # train one on the cleaned text (khudi-tokenize train keys) …
          model: byte-bpe            # byte-bpe, bpe or unigram
          vocab_size: 32000
          min_frequency: 2
          pre_tokenizer: khudi       # byte-bpe: khudi, gpt2, cl100k or o200k
          max_digits: 3
          character_coverage: 0.9995 # bpe and unigram
          isolate_punctuation: true  # bpe and unigram
          text_field: text
          language_field: lang
          language_weights: {}       # default: the sources' weights
          # path: tokenizer.json     # … or use an existing one (then no other tokenizer key)

        encode:
          shard_tokens: 100000000    # tokens per shard file at most

        model:                       # exactly one of:
          config:                    # a config.json path, or the config inline (pretrain);
            model_type: llama        # vocab_size defaults to the tokenizer's
            hidden_size: 256
            intermediate_size: 688
            num_hidden_layers: 4
            num_attention_heads: 4
            num_key_value_heads: 2
            max_position_embeddings: 256
          # base: models/base        # a Hugging Face model directory (full, lora)

        train:                       # khudi-train's train: keys (see khudi-train --help)
          mode: pretrain             # pretrain (model.config) or full/lora (model.base)
          steps: 1000
          micro_batch_size: 8
          gradient_accumulation: 1
          sequence_length: 256
          learning_rate: 6.0e-4
          min_learning_rate: 6.0e-5
          schedule: cosine           # constant, cosine or wsd
          warmup_steps: 100
          decay_steps: 100           # wsd only
          weight_decay: 0.1
          beta1: 0.9
          beta2: 0.95
          epsilon: 1.0e-8
          gradient_clip: 1.0
          evaluation_interval: 100
          evaluation_batches: 20
          checkpoint_interval: 500
          keep_checkpoints: 3        # 0: keep all
          log_interval: 10
          lora: { rank: 8, alpha: 16, targets: [q_proj, k_proj, v_proj, o_proj], rslora: false, dropout: 0.0 }
          validation_fraction: 0.05  # held out of the token shards
          shuffle: true
          document_masking: false
          launcher: []               # run khudi-train under this command, e.g. [mpirun, -np, "4"]
                                     # or [srun] (inside a Slurm allocation): data-parallel ranks

        finetune:                    # the same keys as train (launcher too), on data.instructions, starting
          mode: lora                 # from train's last checkpoint (else model.base); default lora
          steps: 1000

        eval:
          perplexity: [held-out.txt] # scored for the initial model, each checkpoint and the fine-tuned one
          sample:                    # generated by the final model
            prompts: ["پاکستان"]
            max_new_tokens: 32
            temperature: 0.8
            top_k: 40
          tokenizer:                 # fertility and parity report of the tokenizer
            text: { urd: held-out.txt }
            # parallel: flores.tsv   # a TSV of parallel sentences, header row of language codes

        export:
          gguf: false                # true: write RUN/export/NAME.gguf (after merging a LoRA adapter)
          dtype: f16                 # f16 or f32

        """
}
