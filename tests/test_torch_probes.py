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


def test_the_console_command_installs_it():
    out = _run("""
        import atexit
        from verbatim import torch_probes
        atexit.register(lambda: print(torch_probes.installed(), flush=True))
        from verbatim.cli import run
        run(["--help"])
    """)
    assert out.strip().splitlines()[-1] == "True"
