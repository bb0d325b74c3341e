"""The official `openai` Python client, unchanged, against a running zopilot daemon.

Run by tests/e2e_openai.rs with ZOPILOT_BASE_URL and ZOPILOT_API_KEY set:
  openai_client.py chat                 models, a chat completion, a json_schema answer that
                                        parses, a stream (pieces add up to the text)
  openai_client.py batch-create         upload a 3-line JSONL file, create a batch; prints its id
  openai_client.py batch-wait BATCH_ID  wait for it, download the output; prints a JSON summary
Any failed check raises (non-zero exit, the traceback on stderr).
"""
import io
import json
import os
import sys
import time

from openai import OpenAI

client = OpenAI(base_url=os.environ["ZOPILOT_BASE_URL"] + "/v1",
                api_key=os.environ["ZOPILOT_API_KEY"], max_retries=0, timeout=300)


def model_id():
    models = client.models.list().data
    assert len(models) == 1, models
    return models[0].id


def chat():
    model = model_id()
    out = {"model": model}
    c = client.chat.completions.create(
        model=model, max_tokens=16, temperature=0,
        messages=[{"role": "system", "content": "You are terse."},
                  {"role": "user", "content": "Name a colour."}])
    assert c.object == "chat.completion" and c.choices[0].message.role == "assistant", c
    assert c.choices[0].message.content, c
    assert c.usage.completion_tokens >= 1 and c.usage.total_tokens == c.usage.prompt_tokens + c.usage.completion_tokens
    out["chat"] = c.choices[0].message.content

    schema = {"type": "object", "additionalProperties": False, "required": ["vendor", "total"],
              "properties": {"vendor": {"type": "string"}, "total": {"type": "number"}}}
    j = client.chat.completions.create(
        model=model, max_tokens=60, temperature=0,
        response_format={"type": "json_schema", "json_schema": {"name": "invoice", "schema": schema, "strict": True}},
        messages=[{"role": "user", "content": "Invoice from ACME Tools Inc, total due 12.50 USD. Give vendor and total."}])
    parsed = json.loads(j.choices[0].message.content)
    assert set(parsed) == {"vendor", "total"} and isinstance(parsed["total"], (int, float)), parsed
    assert j.choices[0].finish_reason == "stop", j
    out["json_schema"] = parsed

    pieces, finish, usage = [], None, None
    stream = client.chat.completions.create(
        model=model, max_tokens=24, temperature=0, stream=True, stream_options={"include_usage": True},
        messages=[{"role": "user", "content": "Count from one to ten in words."}])
    for chunk in stream:
        if chunk.usage:
            usage = chunk.usage
        for ch in chunk.choices:
            if ch.delta.content:
                pieces.append(ch.delta.content)
            if ch.finish_reason:
                finish = ch.finish_reason
    assert len(pieces) >= 2 and finish in ("stop", "length") and usage is not None, (pieces, finish, usage)
    assert usage.completion_tokens >= 1
    out["stream"] = {"pieces": len(pieces), "text": "".join(pieces), "finish": finish}
    print(json.dumps(out))


def batch_create():
    model = model_id()
    lines = [{"custom_id": f"req-{i}", "method": "POST", "url": "/v1/chat/completions",
              "body": {"model": model, "max_tokens": 12, "temperature": 0,
                       "messages": [{"role": "user", "content": q}]}}
             for i, q in enumerate(["Say hi.", "Name a fruit.", "What is 2 + 2?"])]
    data = "".join(json.dumps(l) + "\n" for l in lines).encode()
    f = client.files.create(file=("requests.jsonl", io.BytesIO(data)), purpose="batch")
    assert f.object == "file" and f.bytes == len(data), f
    b = client.batches.create(input_file_id=f.id, endpoint="/v1/chat/completions", completion_window="24h")
    assert b.status in ("validating", "in_progress"), b
    print(b.id)


def batch_wait(batch_id):
    deadline = time.time() + 600
    while True:
        b = client.batches.retrieve(batch_id)
        if b.status in ("completed", "failed", "cancelled", "expired"):
            break
        assert time.time() < deadline, b
        time.sleep(1)
    assert b.status == "completed", b
    assert b.request_counts.total == 3 and b.request_counts.completed == 3, b
    text = client.files.content(b.output_file_id).text
    rows = [json.loads(l) for l in text.splitlines() if l.strip()]
    assert len(rows) == 3, text
    assert sorted(r["custom_id"] for r in rows) == ["req-0", "req-1", "req-2"], rows
    for r in rows:
        assert r["response"]["status_code"] == 200, r
        assert r["response"]["body"]["choices"][0]["message"]["content"], r
    print(json.dumps({"status": b.status, "lines": len(rows), "output_file_id": b.output_file_id}))


if __name__ == "__main__":
    {"chat": lambda: chat(), "batch-create": lambda: batch_create(),
     "batch-wait": lambda: batch_wait(sys.argv[2])}[sys.argv[1]]()
