"""Parameter sweeps over plan fields on Dask, results in Parquet."""
