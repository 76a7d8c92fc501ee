{#- For each row of `spine` (a relation with `employee_id` and the `keys` columns), the latest
    performance rating on or before `as_of_date`; rows without any review yet are left out. -#}
{% macro latest_rating_as_of(spine, keys, as_of_date) %}
    select {% for key in keys %}{{ key }}, {% endfor %}rating
    from (
        select
            {% for key in keys %}{{ spine }}.{{ key }},
            {% endfor %}reviews.rating,
            row_number() over (
                partition by {% for key in keys %}{{ spine }}.{{ key }}{{ ", " if not loop.last }}{% endfor %}
                order by reviews.review_date desc, reviews.review_id desc
            ) as recency
        from {{ spine }}
        inner join {{ ref('stg_hris__performance_reviews') }} as reviews
            on reviews.employee_id = {{ spine }}.employee_id
            and reviews.review_date <= {{ as_of_date }}
    ) as ranked
    where recency = 1
{% endmacro %}
