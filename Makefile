# One entry point: `make demo`, `make test`, `make bench`, `make lint`.
# Everything runs from a local virtual environment that `make setup` creates from nothing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.uir-installed
export NO_ALBUMENTATIONS_UPDATE := 1
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: setup demo test lint bench gallery closeups docs experiment clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# Pinned: this exact release installs the CPU wheel; a looser spec pulls a multi-GB CUDA build.
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[dev,train,hub,ray,tensorboard]'
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(BIN)/uir build-dataset --out demo-dataset
	$(BIN)/uir verify-manifest demo-dataset

test: setup
	$(BIN)/pytest -q

lint: setup
	$(BIN)/ruff check .

bench: setup
	$(BIN)/python -m bench.run_all

gallery: setup
	$(BIN)/uir gallery docs/gallery.png --thumb 80

closeups: setup
	$(BIN)/uir gallery docs/closeups --closeups

docs: setup
	$(BIN)/uir degradations --levels --markdown > docs/degradations.md

# Pre-train vs scratch on Debian wallpaper photos (about two hours on 2 CPU cores): docs/experiments.md.
# The first 38 photos of experiments/photos.tsv are the set the documented results were computed on.
experiment: setup
	bash experiments/fetch_photos.sh out/photos 38
	nice -n 5 $(BIN)/python -m experiments.pretrain_vs_scratch --photos out/photos --out out/experiment \
		--pretrain-steps 500 --pretrain-chunk 500 --max-pretrain-steps 6000 --finetune-steps 300 --long-finetune \
		--docs docs/experiments

clean:
	rm -rf demo-dataset demo-run out .pytest_cache
