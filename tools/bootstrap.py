"""First-use set-up for `make lab` and `make test`: create .venv and install pooledu[all].

Run by the system python3 from the Makefile. Written without f-strings so an
old Python reaches the version check and gets a clear message instead of a
SyntaxError.
"""

import argparse
import json
import os
import subprocess
import sys

MIN_VERSION = (3, 10)
# TensorFlow wheels exist for these; newer Pythons may lack them for a while.
TESTED_MAX = (3, 13)

NETWORK_SIGNS = (
    "Could not fetch URL", "Failed to establish a new connection", "ConnectionError",
    "Temporary failure in name resolution", "Network is unreachable",
    "No matching distribution found", "Read timed out", "ProxyError",
)


def fail(message):
    sys.stderr.write("\nerror: " + message.strip() + "\n\n")
    sys.exit(1)


def check_python():
    version = sys.version_info[:2]
    if version < MIN_VERSION:
        fail("pooledu needs Python {}.{} or newer; '{}' is Python {}.{}.\n"
             "Install a newer Python (https://www.python.org/downloads/) and run:\n"
             "    make PYTHON=/path/to/python3.11 test".format(
                 MIN_VERSION[0], MIN_VERSION[1], sys.executable, version[0], version[1]))
    if version > TESTED_MAX:
        print("warning: Python {}.{} is newer than the course was tested with "
              "(up to {}.{}); TensorFlow may not have wheels for it yet.".format(
                  version[0], version[1], TESTED_MAX[0], TESTED_MAX[1]))


def create_venv(venv):
    if os.path.exists(os.path.join(venv, "bin", "python")):
        return
    print("creating {} with {} ...".format(venv, sys.executable))
    try:
        import ensurepip  # noqa: F401
        import venv as _venv  # noqa: F401
    except ImportError:
        fail("this Python has no 'venv'/'ensurepip' module. On Debian/Ubuntu run:\n"
             "    sudo apt-get install python3-venv")
    result = subprocess.call([sys.executable, "-m", "venv", venv])
    if result != 0:
        fail("could not create the virtual environment {} (python -m venv failed). "
             "On Debian/Ubuntu: sudo apt-get install python3-venv".format(venv))


def install(venv):
    python = os.path.join(venv, "bin", "python")
    cmd = [python, "-m", "pip", "install", "--progress-bar", "off", "-e", ".[all]"]
    print("installing pooledu and the course's packages (TensorFlow, JupyterLab, "
          "Jupyter Book, test tools): a few minutes on first use ...")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            universal_newlines=True)
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if line.startswith("Successfully installed"):
            sys.stdout.write("installed {} packages\n".format(len(line.split()) - 2))
        elif line.startswith("ERROR"):
            sys.stdout.write(line)
    proc.wait()
    if proc.returncode != 0:
        output = "".join(lines)
        sys.stderr.write(output[-4000:])
        if any(sign in output for sign in NETWORK_SIGNS):
            fail("pip could not download the packages. Check that this machine can reach "
                 "the Python package registry (PyPI), directly or through your proxy "
                 "(set HTTPS_PROXY), then run the command again.")
        fail("pip could not install pooledu[all] (see the output above). "
             "`make distclean` and a second try often helps after a Python upgrade.")


LAB_OVERRIDES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lab-settings",
                             "overrides.json")


def install_lab_settings(prefix):
    """Ship the course's JupyterLab defaults into an environment.

    JupyterLab reads <prefix>/share/jupyter/lab/settings/overrides.json as the
    default settings of everyone using that environment (the learner can still
    change them). The course's file turns off the first-launch "official Jupyter
    news" pop-up and the update check (both need the internet). Keys already in
    the environment's file are kept unless the course sets them.
    """
    with open(LAB_OVERRIDES) as f:
        ours = json.load(f)
    folder = os.path.join(prefix, "share", "jupyter", "lab", "settings")
    target = os.path.join(folder, "overrides.json")
    current = {}
    if os.path.exists(target):
        try:
            with open(target) as f:
                current = json.load(f)
        except ValueError:
            print("warning: {} was not valid JSON; replacing it".format(target))
    for plugin, settings in ours.items():
        current.setdefault(plugin, {}).update(settings)
    if not os.path.isdir(folder):
        os.makedirs(folder)
    with open(target, "w") as f:
        json.dump(current, f, indent=2)
        f.write("\n")
    return target


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--venv", default=".venv")
    parser.add_argument("--stamp")
    parser.add_argument("--lab-settings-only", metavar="PREFIX",
                        help="only install the course's JupyterLab settings into the "
                             "environment PREFIX (e.g. $CONDA_PREFIX) and stop")
    args = parser.parse_args()
    if args.lab_settings_only:
        print("JupyterLab settings: {}".format(install_lab_settings(args.lab_settings_only)))
        return
    if not args.stamp:
        parser.error("--stamp is required")
    check_python()
    create_venv(args.venv)
    install(args.venv)
    install_lab_settings(args.venv)
    for name in os.listdir(args.venv):
        if name.startswith(".installed-"):
            os.remove(os.path.join(args.venv, name))
    with open(args.stamp, "w") as f:
        f.write("pooledu[all] installed from pyproject.toml\n")
    print("set-up done: {}".format(args.venv))


if __name__ == "__main__":
    main()
