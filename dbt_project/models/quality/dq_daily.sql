{#- The data-quality gate's verdict per day: for each table, expectation and column, the
    latest result validated that day. Built after the gate has written its results. -#}
{{ config(tags=['reviews']) }}

with results as (
    select
        cast(validated_at as date) as validation_date,
        table_name,
        expectation,
        column_name,
        observed,
        threshold,
        success,
        expectation_class,
        severity,
        validated_at,
        run_id,
        row_number() over (
            partition by cast(validated_at as date), table_name, expectation, column_name
            order by validated_at desc, run_id desc
        ) as recency
    from {{ source('quality', 'dq_results') }}
)

select
    validation_date,
    table_name,
    expectation,
    column_name,
    observed,
    threshold,
    success,
    expectation_class,
    severity,
    validated_at,
    run_id
from results
where recency = 1
