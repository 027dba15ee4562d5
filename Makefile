# Two commands on a fresh machine:  `make serve`  (the API on the embedded default)  and  `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: venv serve test lint schema bench readme

$(BIN)/uidp: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(BIN)/uidp

# The dev GraphiQL page's files, from the npm registry (a no-op once they are there and intact).
venv: $(BIN)/uidp
	@$(BIN)/python -m graph.ide.fetch

serve: venv
	$(BIN)/uidp serve

test: venv
	$(BIN)/pytest tests

lint: venv
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

schema: venv
	$(BIN)/uidp schema > schema.graphql

bench: venv
	$(BIN)/python bench/login.py
	$(BIN)/python bench/me.py

readme: venv
	$(BIN)/python -c "import re,subprocess,pathlib; p=pathlib.Path('README.md'); t=subprocess.run(['$(BIN)/uidp','settings'],capture_output=True,text=True,check=True).stdout; s=p.read_text(); p.write_text(re.sub(r'(<!-- settings:start.*?-->\n).*?(<!-- settings:end -->)', lambda m: m.group(1)+t+m.group(2), s, flags=re.S))"
