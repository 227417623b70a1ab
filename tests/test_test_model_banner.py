"""A test model's output must never pass for analysis: the report says which model it was and why
it is a test model, and the HTML, the Markdown and the end-of-run summary show it first."""

from __future__ import annotations

import io

from rich.console import Console

from conftest import HOTEL
from modernizer.cli.summary import summary
from modernizer.render.html import render_html
from modernizer.render.markdown import render_markdown
from modernizer.serve.profiles import PROFILES, build_command
from modernizer.llm.testmodel import DEMO, DEMO_NAME, RANDOM, dummy_weights, which_test_model
from support.labelled import labelled_report


def text_of(renderable) -> str:
    console = Console(file=io.StringIO(), width=200, force_terminal=False, color_system=None)
    console.print(renderable)
    return console.file.getvalue()


def test_random_weights_are_known_by_the_load_format_the_name_or_the_directory():
    assert which_test_model("nemotron", "/models/x", ["python", "-m", "vllm", "--load-format", "dummy"]) == RANDOM
    assert which_test_model("nemotron", "/models/x", ["--load-format=dummy"]) == RANDOM
    assert which_test_model("tiny", "") == RANDOM
    assert which_test_model("mine", "/repo/.cache/tiny-model/") == RANDOM
    assert not dummy_weights(["--load-format", "safetensors"]) and not dummy_weights(None)


def test_the_demo_model_is_known_by_its_served_name_or_its_checkpoint():
    assert which_test_model(DEMO_NAME, "") == DEMO
    assert which_test_model("my-model", "/home/me/modernizer/.cache/small-model") == DEMO
    assert which_test_model("HuggingFaceTB/SmolLM2-135M-Instruct", "HuggingFaceTB/SmolLM2-135M-Instruct") == DEMO


def test_a_real_model_gets_no_banner():
    assert which_test_model("nemotron", "nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-FP8", ["--model", "x"]) == ""


def test_the_profiles_serve_what_the_banner_recognises():
    demo = build_command(PROFILES["cpu-demo"], "/r/.cache/small-model", [], 8000)
    assert "--load-format" not in demo.argv and demo.served_model_name == DEMO_NAME and demo.window == 8192
    assert which_test_model(demo.served_model_name, demo.model, demo.argv) == DEMO
    tiny = build_command(PROFILES["cpu-test"], "/r/.cache/tiny-model", [], 8000)
    assert which_test_model(tiny.served_model_name, tiny.model, tiny.argv) == RANDOM


def _report(reason: str):
    report = labelled_report(HOTEL)
    return report.model_copy(update={"llm": report.llm.model_copy(update={"test_model": reason, "model": "tiny"})})


def test_html_markdown_and_summary_show_the_banner_only_for_a_test_model():
    flagged, real = _report(RANDOM), _report("")
    page = render_html(flagged)
    assert 'id="test-model"' in page and "random weights" in page
    assert page.index('id="test-model"') < page.index("<header")  # above everything else
    assert 'id="test-model"' not in render_html(real)
    assert "**Test model:**" in render_markdown(flagged) and "Test model" not in render_markdown(real)
    shown = text_of(summary(flagged))
    assert "TEST MODEL: tiny is a test model with random weights" in shown
    assert "TEST MODEL" not in text_of(summary(real))
    assert flagged.model_validate_json(flagged.model_dump_json()).llm.test_model == RANDOM  # in the JSON
