"""The official conformance suite jupyter_kernel_test, with every sample attribute set."""
import unittest

import kernel_fixtures  # noqa: F401  (installs the kernelspec, sets JUPYTER_PATH)
import jupyter_kernel_test


class PolyICLKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = kernel_fixtures.KERNEL_NAME
    language_name = "polyicl"
    file_extension = ".icl"

    code_hello_world = 'print "hello, world"'
    code_stderr = 'print "oops" stream=stderr'
    completion_samples = [
        {"text": "pri", "matches": {"print"}},
        {"text": "prog", "matches": {"progress"}},
    ]
    complete_code_samples = ['print "a"', "42", "x = 3", "# just a comment", ""]
    incomplete_code_samples = ["print [1, 2", "display (", "x = [1,\n  2"]
    invalid_code_samples = ["print 1)", "]"]
    code_page_something = "help print"
    code_generate_error = "undefined_command"
    code_execute_result = [
        {"code": "42", "result": "42"},
        {"code": "1.5", "result": "1.5"},
        {"code": "y = 7\ny", "result": "7"},
    ]
    code_display_data = [
        {"code": 'display "<b>hi</b>"', "mime": "text/html"},
        {"code": 'display "<b>hi</b>"', "mime": "text/plain"},
    ]
    code_history_pattern = "4*"
    supported_history_operations = ("tail", "range", "search")
    code_inspect_sample = "print"
    code_clear_output = "clear"


if __name__ == "__main__":
    unittest.main()
