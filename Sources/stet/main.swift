Stet.main()
