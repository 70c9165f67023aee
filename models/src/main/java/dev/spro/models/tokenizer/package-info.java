/**
 * Text to token ids and back: a built-in character tokenizer for built-in tasks, Hugging Face
 * {@code tokenizer.json} files through DJL's tokenizers (never truncating), and chat templates
 * that turn a conversation into prompt text.
 */
package dev.spro.models.tokenizer;
