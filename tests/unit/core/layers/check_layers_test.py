#!/usr/bin/env python3
"""scripts/check_layers.py passes the real core and fails, naming file, line and edge, on what
the build must refuse.

usage: check_layers_test.py CHECKER LAYERS ROOT (the build's declared layers and the project)
"""

import pathlib
import subprocess
import sys
import tempfile
import unittest

CHECKER, LAYERS, ROOT = sys.argv[1:4]
FIXTURE = pathlib.Path(__file__).parent / "fixture"
# Areas in subfolders: mail/mime and mail/smtp under core/mail/, which is no area; and base, whose
# own subfolder base/detail/ is base's.
NESTED = pathlib.Path(__file__).parent / "nested_fixture"


def run(layers, root):
    return subprocess.run([sys.executable, CHECKER, str(layers), str(root)],
                          capture_output=True, text=True)


def layers_file(directory, text):
    path = pathlib.Path(directory) / "layers.txt"
    path.write_text(text)
    return path


class check_layers(unittest.TestCase):
    def test_the_core_includes_only_declared_areas(self):
        result = run(LAYERS, ROOT)
        self.assertEqual(result.returncode, 0, result.stderr)

    def test_an_undeclared_include_fails_naming_file_line_and_edge(self):
        with tempfile.TemporaryDirectory() as directory:
            result = run(layers_file(directory, "low:\nhigh: low\n"), FIXTURE)
        self.assertEqual(result.returncode, 1)
        self.assertEqual(result.stderr.splitlines(), [
            "core/low/clock.hpp:3: low may not use high (undeclared edge low -> high; "
            "low may use: nothing)"])

    def test_a_declared_include_passes(self):
        with tempfile.TemporaryDirectory() as directory:
            result = run(layers_file(directory, "high:\nlow: high\n"), FIXTURE)
        self.assertEqual(result.returncode, 1)  # high -> low is undeclared now
        self.assertIn("core/high/handler.hpp:3: high may not use low", result.stderr)
        self.assertNotIn("core/low/", result.stderr)

    def test_a_cycle_fails(self):
        with tempfile.TemporaryDirectory() as directory:
            result = run(layers_file(directory, "low: high\nhigh: low\n"), FIXTURE)
        self.assertEqual(result.returncode, 1)
        self.assertIn("low uses high, which is not declared before it", result.stderr)

    def test_an_undeclared_area_fails(self):
        with tempfile.TemporaryDirectory() as directory:
            result = run(layers_file(directory, "low:\n"), FIXTURE)
        self.assertEqual(result.returncode, 1)
        self.assertIn("core/high/handler.hpp: area 'high' is not declared", result.stderr)

    def test_nested_areas_pass_when_declared(self):
        with tempfile.TemporaryDirectory() as directory:
            result = run(layers_file(directory, "base:\nmail/mime: base\nmail/smtp: mail/mime\n"),
                         NESTED)
        self.assertEqual(result.returncode, 0, result.stderr)

    def test_an_undeclared_edge_between_nested_areas_fails(self):
        with tempfile.TemporaryDirectory() as directory:
            result = run(layers_file(directory, "base:\nmail/mime: base\nmail/smtp: base\n"),
                         NESTED)
        self.assertEqual(result.returncode, 1)
        self.assertEqual(result.stderr.splitlines(), [
            "core/mail/smtp/pool.hpp:3: mail/smtp may not use mail/mime (undeclared edge "
            "mail/smtp -> mail/mime; mail/smtp may use: base)"])

    def test_a_nested_area_is_not_its_parent_folder(self):
        # mail/mime's files are not mail/smtp's, nor is a file of core/mail/ in either.
        with tempfile.TemporaryDirectory() as directory:
            result = run(layers_file(directory, "base:\nmail/smtp: base\n"), NESTED)
        self.assertEqual(result.returncode, 1)
        self.assertEqual(result.stderr.splitlines(), [
            "core/mail/mime/part.hpp: area 'mail/mime' is not declared (mailgate_core_area)",
            "core/mail/smtp/pool.hpp:3: mail/smtp may not use mail/mime (undeclared edge "
            "mail/smtp -> mail/mime; mail/smtp may use: base)"])

    def test_a_file_in_a_subfolder_of_an_area_is_that_areas(self):
        with tempfile.TemporaryDirectory() as directory:
            result = run(layers_file(directory, "mail:\nbase:\n"), NESTED)
        self.assertEqual(result.returncode, 1)
        self.assertEqual(result.stderr.splitlines(), [
            "core/mail/mime/part.hpp:3: mail may not use base (undeclared edge mail -> base; "
            "mail may use: nothing)"])


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1])
