public enum JupyterKernel {}
