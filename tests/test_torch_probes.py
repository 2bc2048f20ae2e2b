"""verbatim.torch_probes: the imports that only probe for torch find none; the others get it."""

import os
import subprocess
import sys
import textwrap


def _run(code: str) -> str:
    """``code`` in a fresh interpreter (imports are per process); its stdout."""
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_probes_find_no_torch_and_other_importers_still_get_it():
    out = _run("""
        import sys
        from verbatim import torch_probes
        torch_probes.install()
        torch_probes.install()  # once
        from verbatim.nlp import load_pipeline
        from verbatim.bertopic_import import import_bertopic
        nlp = load_pipeline()
        import_bertopic()
        import thinc.compat, bertopic._save_utils
        print(sum(type(f).__name__ == "_RefuseToProbes" for f in sys.meta_path))
        print("torch" in sys.modules, thinc.compat.has_torch, bertopic._save_utils._has_torch)
        print(len(list(nlp("Emma was rude. The parcel came late.").sents)))
        import torch  # anyone else still gets it
        print(torch.zeros(2).sum().item())
    """)
    assert out.split("\n")[:4] == ["1", "False False False", "2", "0.0"]


def test_without_install_the_probes_import_torch():
    """What install() saves: thinc's probe imports all of torch (if this fails, thinc stopped
    probing and the module can go)."""
    out = _run("""
        import sys
        import thinc.compat
        print("torch" in sys.modules, thinc.compat.has_torch)
    """)
    assert out.split("\n")[0] == "True True"


def test_the_command_line_installs_it_for_the_packaged_pipeline_only(tmp_path):
    """Its runs load verbatim's CNN pipeline; a transformer pipeline set in the config
    needs thinc's torch, so a run with another pipeline leaves the probes alone (the run
    itself stops at its bad input, after that choice)."""
    out = _run(f"""
        from click.testing import CliRunner
        from verbatim import torch_probes
        from verbatim.cli import main
        run = ["analyze", {str(tmp_path / "missing.csv")!r}, "-o", {str(tmp_path / "out")!r}]
        result = CliRunner().invoke(main, run + ["--set", "prepare.spacy_model=en_core_web_trf"])
        print(torch_probes.installed(), result.exit_code)
        result = CliRunner().invoke(main, run)
        print(torch_probes.installed(), result.exit_code, result.output.strip())
    """)
    lines = out.splitlines()
    assert lines[0] == "False 2" and lines[1].startswith("True 2 error: ") and "missing.csv" in lines[1]
