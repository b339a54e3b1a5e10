import sys

from ops.k8s.cli import main

sys.exit(main())
