import Testing
import JupyterKernel
