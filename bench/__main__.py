import sys

if sys.argv[1:2] == ["sync"]:
    from bench.sync import main
elif sys.argv[1:2] == ["money"]:
    from bench.money import main
elif sys.argv[1:2] == ["exports"]:
    from bench.exports import main
elif sys.argv[1:2] == ["dashboards"]:
    from bench.dashboards import main
elif sys.argv[1:2] == ["api"]:
    from bench.api import main
else:
    from bench.run import main

sys.exit(main())
