"""Expected chat prompts and token ids from Hugging Face transformers, for HfChatTemplateTest.

For each real tokenizer in ../shared/data/tokenizers (Qwen3 and Llama 3.1), renders a set of
conversations with the tokenizer's own chat template (apply_chat_template, tokenize=False and
True) and encodes a few plain texts, and writes them as JSON fixtures the Java tests compare with.

    python3 -m venv bench/out/venv && bench/out/venv/bin/pip install torch transformers
    bench/out/venv/bin/python models/src/test/python/chat_template_fixtures.py \
        ../shared/data/tokenizers models/src/test/resources/chat-templates
"""
import json
import sys
from pathlib import Path

import transformers
from transformers import AutoTokenizer

CONVERSATIONS = [
    {"name": "one user turn",
     "messages": [{"role": "user", "content": "What is 12 + 30?"}],
     "add_generation_prompt": True},
    {"name": "system and user",
     "messages": [{"role": "system", "content": "You are a careful math tutor."},
                  {"role": "user", "content": "Natalia sold clips to 48 of her friends in April, and then she sold "
                                              "half as many clips in May. How many clips did Natalia sell altogether?"}],
     "add_generation_prompt": True},
    {"name": "multi-turn with reasoning",
     "messages": [{"role": "system", "content": "Be brief."},
                  {"role": "user", "content": "What is 2+2?"},
                  {"role": "assistant", "content": "<think>\nAdd them.\n</think>\n\n4"},
                  {"role": "user", "content": "  And 3+3?  "}],
     "add_generation_prompt": True},
    {"name": "ends with the assistant",
     "messages": [{"role": "user", "content": "What is 3+3?"},
                  {"role": "assistant", "content": "<think>\nthree and three\n</think>\n\nThe answer is 6."}],
     "add_generation_prompt": False},
    {"name": "thinking off",
     "messages": [{"role": "user", "content": "Compute 7*8."}],
     "add_generation_prompt": True, "enable_thinking": False},
    {"name": "unicode and whitespace",
     "messages": [{"role": "user", "content": "Ünïcödé — 数学 😀\ttabs\nnew lines  and  spaces"}],
     "add_generation_prompt": True},
    {"name": "no generation prompt",
     "messages": [{"role": "user", "content": "Hello"}],
     "add_generation_prompt": False},
]

TEXTS = ["12 + 30 = 42", "  leading spaces and trailing  ", "Ünïcödé — 数学 😀", "<|im_start|>user\nhi<|im_end|>",
         "line one\nline two\n\n\ttabbed", "1234567890 3.14159 -7"]


def main(tokenizers_dir, out_dir):
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in ["qwen3", "llama3.1"]:
        tok = AutoTokenizer.from_pretrained(str(Path(tokenizers_dir) / name))
        cases = []
        for c in CONVERSATIONS:
            kwargs = {"add_generation_prompt": c["add_generation_prompt"]}
            if "enable_thinking" in c:
                kwargs["enable_thinking"] = c["enable_thinking"]
            text = tok.apply_chat_template(c["messages"], tokenize=False, **kwargs)
            ids = tok.apply_chat_template(c["messages"], tokenize=True, return_dict=False, **kwargs)
            if isinstance(ids, dict) or hasattr(ids, "keys"):
                ids = ids["input_ids"]
            assert ids == tok(text, add_special_tokens=False)["input_ids"], name + ": " + c["name"]
            cases.append(dict(c, text=text, ids=list(ids)))
        texts = [{"text": t, "ids": tok(t, add_special_tokens=False)["input_ids"]} for t in TEXTS]
        fixture = {"tokenizer": name, "transformers": transformers.__version__,
                   "bos_token": tok.bos_token, "eos_token": tok.eos_token,
                   "conversations": cases, "texts": texts}
        (out_dir / (name + ".json")).write_text(json.dumps(fixture, indent=1, ensure_ascii=False) + "\n")
        print(name, len(cases), "conversations,", len(texts), "texts")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
