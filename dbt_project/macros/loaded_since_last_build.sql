{#- In an incremental model: whether `loaded_at` (a `_loaded_at` column) is newer than anything the model
    already holds, i.e. the record was loaded after the model's last build. Every incremental model carries
    `_loaded_at`, the newest load among the records each row was computed from, so anything loaded later is
    newer than its maximum. Rows are recomputed from all of their records, so a full refresh gives the same. -#}
{% macro loaded_since_last_build(loaded_at) %}
    {{ loaded_at }} > (
        select coalesce(max(_loaded_at), cast('1900-01-01' as {{ dbt.type_timestamp() }})) from {{ this }}
    )
{% endmacro %}
