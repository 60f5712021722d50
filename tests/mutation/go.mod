module github.com/temporal-k8s/temporal-k8s/tests/mutation

go 1.26
