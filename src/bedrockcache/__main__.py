from bedrockcache.cli import main

raise SystemExit(main())
